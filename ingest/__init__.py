"""Report ingestion: turn a report text into a reviewable draft of claims, units and footnotes."""
