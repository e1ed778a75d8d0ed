"""Load the rule sets added since 0002 (the Public Contracts Regulations 2015 and the NHS procurement
regulations of 2013) into databases already migrated; the loader is idempotent, so a new database,
which 0002 already filled from every file, is left unchanged."""

from django.db import migrations


def load(apps, schema_editor):
    from commissioning.market.rulesets import load_rule_sets

    load_rule_sets(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("market", "0002_rule_sets")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
