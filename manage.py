#!/usr/bin/env python
"""Django's command-line utility for administrative tasks: development settings unless
DJANGO_ENV=production says otherwise (evmarket/settings.py)."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evmarket.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
