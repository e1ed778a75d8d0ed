"""Priority-setting rounds."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("strategy", "0003_services_map")]

    operations: list[migrations.operations.base.Operation] = []
