"""Commissioning intentions and market position statements."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("strategy", "0004_priority_setting")]

    operations: list[migrations.operations.base.Operation] = []
