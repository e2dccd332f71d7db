# Claimtrace under gunicorn with production settings.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY sources ./sources
COPY units ./units
COPY claims ./claims
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdef \
       python manage.py collectstatic --noinput \
    && useradd --system --home /app claimtrace && mkdir -p /data/media \
    && chown -R claimtrace /data
USER claimtrace
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
