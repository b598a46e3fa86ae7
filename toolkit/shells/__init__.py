"""Thin I/O edges around the core: CLI, milter, SMTP pipeline."""
