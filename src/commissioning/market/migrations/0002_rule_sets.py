"""Load the national procurement rule sets from market/rulesets/*.json."""

from django.db import migrations


def load(apps, schema_editor):
    from commissioning.market.rulesets import load_rule_sets

    load_rule_sets(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
