"""The services map."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("strategy", "0002_commissioning_strategies")]

    operations: list[migrations.operations.base.Operation] = []
