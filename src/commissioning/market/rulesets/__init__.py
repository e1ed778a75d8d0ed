"""The national procurement rule sets, one JSON file each, and the loader that writes them as rows.

The files are the reviewed source: each states where its rules come from. ``load_rule_sets()``
checks every file with the engine's parser, then upserts by code, so the data migration, the demo
and a later edit to a file all go through the same idempotent path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import transaction
from django.db.models import ProtectedError

from commissioning.market.rules import RuleSetSpec

RULESETS_DIR = Path(__file__).resolve().parent


@dataclass
class LoadResult:
    """What a load changed, by rule set code."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def read_rule_set_files(directory: Path = RULESETS_DIR) -> list[tuple[RuleSetSpec, dict[str, Any]]]:
    """Every ``*.json`` in the directory, parsed and checked; a bad file raises ``ValueError`` naming it."""
    loaded = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            spec = RuleSetSpec.from_data(data)
        except (json.JSONDecodeError, ValueError) as error:
            raise ValueError(f"{path.name}: {error}") from error
        if spec.code != path.stem:
            raise ValueError(f"{path.name}: the code {spec.code!r} must match the file name.")
        loaded.append((spec, data))
    return loaded


def _set_fields(spec: RuleSetSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "source": spec.source,
        "body_kinds": sorted(spec.body_kinds),
        "effective_from": spec.effective_from,
        "effective_to": spec.effective_to,
        "precedence": spec.precedence,
    }


def _rule_fields(data: dict[str, Any], spec: RuleSetSpec, position: int) -> dict[str, Any]:
    rule = next(r for r in spec.rules if r.position == position)
    return {
        "route": rule.route,
        "route_name": rule.route_name,
        "categories": list(data.get("categories") or []),
        "body_kinds": list(data.get("body_kinds") or []),
        "provider_sectors": list(data.get("provider_sectors") or []),
        "conditions": list(rule.conditions),
        "min_value": rule.min_value,
        "max_value": rule.max_value,
        "notices": list(data.get("notices") or []),
        "steps": list(data.get("steps") or []),
        "standstill_working_days": rule.standstill_working_days,
        "explanation": rule.explanation,
    }


def _differs(obj: Any, fields: dict[str, Any]) -> bool:
    return any(getattr(obj, name) != value for name, value in fields.items())


def load_rule_sets(*, apps: Any = None, directory: Path = RULESETS_DIR) -> LoadResult:
    """Write the national rule sets from their files, creating, updating or leaving each as it is.

    ``apps`` is the migration state's registry when called from a data migration. Rules dropped from
    a file are deleted, unless a procurement was decided under them (then the load stops, unchanged).
    """
    registry = apps or global_apps
    RuleSet = registry.get_model("market", "RuleSet")
    Rule = registry.get_model("market", "Rule")
    result = LoadResult()
    files = read_rule_set_files(directory)
    existing = {
        rule_set.code: rule_set
        for rule_set in RuleSet.objects.filter(code__in=[spec.code for spec, _ in files]).prefetch_related(
            "rules"
        )
    }
    with transaction.atomic():
        for spec, data in files:
            fields = _set_fields(spec)
            rule_set = existing.get(spec.code)
            changed = False
            if rule_set is None:
                rule_set = RuleSet.objects.create(code=spec.code, partnership=None, **fields)
                current: dict[int, Any] = {}
                result.created.append(spec.code)
            else:
                if _differs(rule_set, fields):
                    for name, value in fields.items():
                        setattr(rule_set, name, value)
                    rule_set.save()
                    changed = True
                current = {rule.position: rule for rule in rule_set.rules.all()}
            wanted = {int(rule_data.get("position", 0)): rule_data for rule_data in data.get("rules") or []}
            for position, rule_data in wanted.items():
                rule_fields = _rule_fields(rule_data, spec, position)
                rule = current.get(position)
                if rule is None:
                    Rule.objects.create(rule_set=rule_set, position=position, **rule_fields)
                    changed = True
                elif _differs(rule, rule_fields):
                    for name, value in rule_fields.items():
                        setattr(rule, name, value)
                    rule.save()
                    changed = True
            gone = [rule for position, rule in current.items() if position not in wanted]
            for rule in gone:
                try:
                    rule.delete()
                except ProtectedError:
                    raise ValueError(
                        f"{spec.code}: rule {rule.position} was removed from the file, but procurements "
                        "were decided under it; end the rule set with effective_to and add a new one instead."
                    ) from None
                changed = True
            if spec.code not in result.created:
                (result.updated if changed else result.unchanged).append(spec.code)
    return result


def reload_rule_sets(*, actor: Any, directory: Path = RULESETS_DIR) -> LoadResult:
    """Load the files as an audited change, recording who created or updated which rule sets.

    The data migrations and the demo load the shipped files unaudited, as part of installing; a
    reload afterwards changes how procurements are routed, so it is on the record.
    """
    from commissioning.core.audit import Auditor, snapshot
    from commissioning.core.models import AuditEvent
    from commissioning.market.models import RuleSet

    with transaction.atomic():
        result = load_rule_sets(directory=directory)
        changed = {r.code: r for r in RuleSet.objects.filter(code__in=[*result.created, *result.updated])}
        auditor = Auditor(actor)
        for action, codes in (
            (AuditEvent.Action.CREATE, result.created),
            (AuditEvent.Action.UPDATE, result.updated),
        ):
            auditor.record_many(action, [(changed[code], None, snapshot(changed[code])) for code in codes])
    return result
