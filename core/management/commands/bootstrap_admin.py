"""Create the first superuser with a generated password, printed once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser with a random password and print it once, unless a superuser "
        "exists already. Never uses a fixed, well-known password."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin", help="Login name (default: admin).")

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(
                f"A superuser exists already: log in as “{existing.get_username()}”. Forgot the "
                f"password? Run: .venv/bin/python manage.py changepassword "
                f"{existing.get_username()}"
            )
            return
        password = secrets.token_urlsafe(16)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS("Created the first administrator account."))
        self.stdout.write(f"  username: {username}\n  password: {password}")
        self.stdout.write("This password is shown only once; change it after logging in.")
