"""Commissioning self-assessment."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("strategy", "0005_market_position")]

    operations: list[migrations.operations.base.Operation] = []
