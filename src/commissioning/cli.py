"""The ``commissioning`` command: demo, serve, loaddemo, createadmin, and Django's own commands."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from commissioning.governance.rules import financial_year_label

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.config.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cmd_loaddemo(args: argparse.Namespace) -> int:
    _setup_django()
    if not args.no_migrate:
        _migrate()
    from commissioning.demo import load_demo

    load_demo(say=print)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    if not args.no_migrate:
        _migrate()
    from waitress import serve

    from commissioning.config.wsgi import application

    print(f"Serving the joint commissioning platform on http://{args.host}:{args.port}/ (Ctrl+C stops)")
    sys.stdout.flush()
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="commissioning")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    _migrate()
    from commissioning.demo import DEMO_PASSWORD, load_demo

    load_demo(say=print)
    print()
    print(f"Sign in at http://{args.host}:{args.port}/ as, for example:")
    print("  user name: demo-southampton-commissioner")
    print(f"  password:  {DEMO_PASSWORD}")
    print(
        "Every demo user is demo-<southampton|nottinghamshire>-<viewer|commissioner|"
        "finance-officer|board-member|provider-contact|administrator>."
    )
    args.no_migrate = True
    return cmd_serve(args)


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup_django()
    if not args.no_migrate:
        _migrate()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from commissioning.core.models import User

    password = args.password or os.environ.get("COMMISSIONING_ADMIN_PASSWORD", "")
    if not password:
        if not sys.stdin.isatty():
            print("Give --password or COMMISSIONING_ADMIN_PASSWORD when not at a terminal.", file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("The passwords differ.", file=sys.stderr)
            return 2
    try:
        validate_password(password)
    except ValidationError as error:
        print("Password refused: " + " ".join(error.messages), file=sys.stderr)
        return 2
    if User.objects.filter(username=args.username).exists():
        print(f"A user called {args.username!r} already exists.", file=sys.stderr)
        return 2
    User.objects.create_superuser(username=args.username, email=args.email, password=password)
    print(f"Platform administrator {args.username!r} created.")
    return 0


Loader = Callable[..., str]


def _run_import(args: argparse.Namespace, load: Loader) -> int:
    """What every ``import`` command shares: find the file, the partnership and the person, show
    progress bars, and on failure list the problems by row and column (nothing is imported).

    ``load(actor=, partnership=, path=, progress=)`` does the import and says what landed.
    """
    _setup_django()
    if not args.no_migrate:
        _migrate()
    from pathlib import Path

    from tqdm import tqdm

    from commissioning.core.errors import NotPermitted
    from commissioning.core.imports import ImportFailed
    from commissioning.core.models import User
    from commissioning.core.system import system_user
    from commissioning.partners.models import Partnership

    path = Path(args.file)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    partnership = Partnership.objects.filter(slug=args.partnership).first()
    if partnership is None:
        print(f"No partnership with the slug {args.partnership!r}.", file=sys.stderr)
        return 2
    actor = User.objects.filter(username=args.user).first() if args.user else system_user()
    if actor is None:
        print(f"No user called {args.user!r}.", file=sys.stderr)
        return 2
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage.capitalize(), unit=" rows" if total > 1 else "")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    try:
        landed = load(actor=actor, partnership=partnership, path=path, progress=progress)
    except ImportFailed as failure:
        for bar in bars.values():
            bar.close()
        print(f"Nothing imported: {len(failure.errors)} problem(s) in {path.name}.", file=sys.stderr)
        for error in failure.errors[: args.max_errors]:
            print(f"  {error}", file=sys.stderr)
        if len(failure.errors) > args.max_errors:
            print(f"  … and {len(failure.errors) - args.max_errors} more.", file=sys.stderr)
        return 1
    except NotPermitted as refusal:
        print(str(refusal), file=sys.stderr)
        return 2
    print(f"{landed} into {partnership.name}.")
    return 0


def cmd_import_indicators(args: argparse.Namespace) -> int:
    def load(*, path: Any, **context: Any) -> str:
        from commissioning.needs.services import indicators_import

        batch = indicators_import(path=path, definitions=args.definitions, **context)
        return (
            f"Imported {batch.values_written:,} values from {batch.rows_read:,} rows of {path.name} "
            f"({batch.get_kind_display()})"
        )

    return _run_import(args, load)


def cmd_import_projection_file(args: argparse.Namespace) -> int:
    def load(*, path: Any, progress: Any, **context: Any) -> str:
        from commissioning.needs import services

        if args.what == "population":
            count = services.population_import(path=path, **context)
            return f"Imported {count:,} population projections from {path.name}"
        count = services.prevalence_import(path=path, **context)
        return f"Imported {count:,} prevalence rates from {path.name}"

    return _run_import(args, load)


def cmd_import_ledger(args: argparse.Namespace) -> int:
    """``import actuals`` and ``import forecasts``: a finance file into a partnership's budget lines."""

    def load(*, path: Any, **context: Any) -> str:
        from commissioning.finance.imports import actuals_import, forecasts_import

        common = {"financial_year": args.year, "path": path, **context}
        if args.what == "actuals":
            batch = actuals_import(**common, kind=args.kind, partner=args.partner)
        else:
            batch = forecasts_import(**common)
        year = financial_year_label(args.year)
        return (
            f"Imported {batch.rows:,} {'actuals' if args.what == 'actuals' else 'forecasts'} for {year} "
            f"from {path.name} ({batch.get_kind_display()})"
        )

    return _run_import(args, load)


def cmd_import_ocds(args: argparse.Namespace) -> int:
    """``import ocds``: OCDS releases (a Contracts Finder download) as procurements and awards."""

    def load(*, path: Any, progress: Any, **context: Any) -> str:
        from commissioning.contracts.ocds import import_releases

        return f"Imported {import_releases(path=path, **context)} from {path.name}"

    return _run_import(args, load)


def cmd_import_grants(args: argparse.Namespace) -> int:
    """``import grants``: a 360Giving CSV of grants made by the partnership's members."""

    def load(*, path: Any, progress: Any, **context: Any) -> str:
        from commissioning.contracts.grants import import_grants

        batch = import_grants(path=path, **context)
        return f"Imported {batch.rows:,} grants from {path.name}"

    return _run_import(args, load)


def cmd_import_contracts(args: argparse.Namespace) -> int:
    """``import contracts``: a contract register (CSV or xlsx), one contract a row with its funding."""

    def load(*, path: Any, **context: Any) -> str:
        from commissioning.contracts.imports import import_contracts

        contracts = import_contracts(path=path, **context)
        return f"Imported {len(contracts):,} contracts from {path.name}"

    return _run_import(args, load)


def cmd_import_placements(args: argparse.Namespace) -> int:
    """``import placements``: placements and packages of care (CSV or xlsx), NHS numbers hashed."""

    def load(*, path: Any, **context: Any) -> str:
        from commissioning.contracts.placements import import_placements

        batch = import_placements(path=path, **context)
        return f"Imported {batch.rows:,} placements from {path.name}"

    return _run_import(args, load)


def cmd_import_returns(args: argparse.Namespace) -> int:
    """``import returns``: providers' KPI returns (CSV or xlsx), many KPIs and periods at once."""

    def load(*, path: Any, **context: Any) -> str:
        from commissioning.performance.return_imports import import_returns

        context.pop("progress", None)
        return import_returns(path=path, **context).message.rstrip(".")

    return _run_import(args, load)


def cmd_escalate(args: argparse.Namespace) -> int:
    """Run the escalation rules now (e.g. nightly from cron): reviews open and managers are told."""
    _setup_django()
    if not args.no_migrate:
        _migrate()
    from commissioning.core.system import system_user
    from commissioning.performance.escalation import run_all

    partnership = _partnership_or_none(args.partnership)
    if partnership is None:
        print(f"No partnership with the slug {args.partnership!r}.", file=sys.stderr)
        return 2
    opened = run_all(partnership=partnership, actor=system_user())
    print(f"{len(opened)} review(s) opened in {partnership.name}.")
    for review in opened:
        print(f"  {review.contract.reference}: {review.title}")
    return 0


def _partnership_or_none(slug: str) -> Any:
    from commissioning.partners.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        print(f"No partnership with the slug {slug!r}.", file=sys.stderr)
    return partnership


def cmd_export_ocds(args: argparse.Namespace) -> int:
    """Write the OCDS 1.1 release package, refusing one that does not validate against the schema."""
    _setup_django()
    from pathlib import Path

    from django.utils import timezone

    from commissioning.contracts import ocds

    partnership = _partnership_or_none(args.partnership)
    if partnership is None:
        return 2
    package = ocds.release_package(
        partnership=partnership, base_url=args.base_url, published_at=timezone.now()
    )
    if not package["releases"]:
        print(f"{partnership.name} has no procurements or contracts to publish.", file=sys.stderr)
        return 1
    problems = ocds.validate_release_package(package)
    if problems:
        print(
            f"Not written: the package breaks the OCDS 1.1 schema in {len(problems)} place(s).",
            file=sys.stderr,
        )
        for problem in problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    output = Path(args.output or f"{partnership.slug}-ocds.json")
    output.write_text(ocds.package_json(package), encoding="utf-8")
    print(f"Wrote {len(package['releases']):,} releases (valid OCDS 1.1) to {output}.")
    return 0


def cmd_export_grants(args: argparse.Namespace) -> int:
    _setup_django()
    from pathlib import Path

    from commissioning.contracts import grants

    partnership = _partnership_or_none(args.partnership)
    if partnership is None:
        return 2
    output = Path(args.output or f"{partnership.slug}-360giving.csv")
    text = grants.grants_csv(partnership=partnership)
    output.write_text(text, encoding="utf-8")
    print(f"Wrote {text.count(chr(10)) - 1:,} grants in the 360Giving layout to {output}.")
    return 0


def cmd_export_indicators(args: argparse.Namespace) -> int:
    _setup_django()
    from pathlib import Path

    from commissioning.core.exports import table_response
    from commissioning.needs import fingertips_layout, selectors
    from commissioning.partners.models import Partnership

    partnership = Partnership.objects.filter(slug=args.partnership).first()
    if partnership is None:
        print(f"No partnership with the slug {args.partnership!r}.", file=sys.stderr)
        return 2
    export = selectors.jsna_export(partnership)
    response = table_response(
        filename=f"{partnership.slug}-jsna",
        headers=fingertips_layout.columns(export.region_name),
        rows=fingertips_layout.rows(export.frame, export.indicators, export.areas),
        fmt=args.format,
    )
    output = Path(args.output or f"{partnership.slug}-jsna.{args.format}")
    output.write_bytes(response.content)
    print(f"Wrote {len(export.frame):,} values (small numbers suppressed) to {output}.")
    return 0


def cmd_rules_load(args: argparse.Namespace) -> int:
    """Re-read the national procurement rule set files, so an added or corrected file takes effect."""
    _setup_django()
    if not args.no_migrate:
        _migrate()
    from pathlib import Path

    from commissioning.core.system import system_user
    from commissioning.market.rulesets import RULESETS_DIR, reload_rule_sets

    directory = Path(args.dir) if args.dir else RULESETS_DIR
    if not directory.is_dir():
        print(f"No such directory: {directory}", file=sys.stderr)
        return 2
    try:
        result = reload_rule_sets(actor=system_user(), directory=directory)
    except ValueError as error:
        print(f"Nothing loaded: {error}", file=sys.stderr)
        return 1
    print(
        f"Rule sets from {directory}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged."
    )
    for label, codes in (("created", result.created), ("updated", result.updated)):
        for code in codes:
            print(f"  {label}: {code}")
    return 0


def cmd_rules_list(args: argparse.Namespace) -> int:
    """The national rule sets (and a partnership's own, if named) in force on a day, with their sources."""
    _setup_django()
    import datetime as dt
    import textwrap

    from django.db.models import F, Q
    from django.utils import timezone

    from commissioning.market.models import RuleSet

    try:
        on = dt.date.fromisoformat(args.on) if args.on else timezone.localdate()
    except ValueError:
        print(f"--on must be a date as YYYY-MM-DD, not {args.on!r}.", file=sys.stderr)
        return 2
    whose = Q(partnership__isnull=True)
    if args.partnership:
        partnership = _partnership_or_none(args.partnership)
        if partnership is None:
            return 2
        whose |= Q(partnership=partnership)
    in_force = (
        RuleSet.objects.filter(whose, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("partnership")
        .order_by(F("partnership").asc(nulls_first=True), "precedence", "-effective_from", "code")
    )
    day = f"{on.day} {on:%B %Y}"
    if not in_force:
        print(f"No procurement rule sets are in force on {day}.")
        return 0
    print(f"Procurement rule sets in force on {day}:")
    for rule_set in in_force:
        start = rule_set.effective_from
        until = rule_set.effective_to
        dates = f"from {start.day} {start:%B %Y}" + (f" to {until.day} {until:%B %Y}" if until else "")
        binds = ", ".join(rule_set.body_kinds) or "every kind of body"
        owner = rule_set.partnership.name if rule_set.partnership else "national"
        print()
        print(f"{rule_set.code}: {rule_set.name}")
        print(f"  In force {dates}; binds {binds}; precedence {rule_set.precedence}; {owner}.")
        print(textwrap.fill(rule_set.source, width=100, initial_indent="  Source: ", subsequent_indent="  "))
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["commissioning manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commissioning",
        description="The open joint commissioning platform for health and social care.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_server_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
        p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
        p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")

    demo = sub.add_parser(
        "demo",
        help="migrate, load the demo partnerships and serve them",
        description="Set up the database, load the demo partnerships and serve the platform.",
    )
    add_server_options(demo)
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser(
        "serve", help="serve the platform", description="Serve the platform over HTTP (waitress)."
    )
    add_server_options(serve)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply database migrations first")
    serve.set_defaults(func=cmd_serve)

    loaddemo = sub.add_parser(
        "loaddemo",
        help="load (or top up) the demo partnerships",
        description="Load the demo partnerships and users; safe to run again.",
    )
    loaddemo.add_argument("--no-migrate", action="store_true", help="do not apply database migrations first")
    loaddemo.set_defaults(func=cmd_loaddemo)

    admin = sub.add_parser(
        "createadmin",
        help="create a platform administrator",
        description="Create a platform administrator (a Django superuser).",
    )
    admin.add_argument("username")
    admin.add_argument("--email", default="")
    admin.add_argument("--password", help="the password (else COMMISSIONING_ADMIN_PASSWORD, else asked)")
    admin.add_argument("--no-migrate", action="store_true", help="do not apply database migrations first")
    admin.set_defaults(func=cmd_createadmin)

    imports = sub.add_parser(
        "import", help="import data files", description="Import data files into a partnership."
    )
    import_sub = imports.add_subparsers(dest="what", required=True, metavar="WHAT")
    indicators = import_sub.add_parser(
        "indicators",
        help="a Fingertips CSV export, or record-level CSV or Parquet",
        description=(
            "Import indicator values into a partnership's JSNA: a file in the Fingertips CSV export layout, "
            "or record-level data (one row per person: area_code, period, sex, age, deprivation_decile, "
            "optional ethnicity, and a 0/1 column per indicator code) that is aggregated and computed. "
            "Every row is checked first; the file lands whole or not at all."
        ),
    )
    indicators.add_argument("file", help="the CSV or Parquet file")
    indicators.add_argument("--partnership", required=True, help="the partnership's slug, e.g. southampton")
    indicators.add_argument(
        "--user", help="who is importing, for the audit trail (default: the system account)"
    )
    indicators.add_argument(
        "--definitions", help="a CSV of indicator definitions (code, name, value_type, multiplier, ...)"
    )
    indicators.add_argument("--max-errors", type=int, default=50, help="problems to list (default 50)")
    indicators.add_argument(
        "--no-migrate", action="store_true", help="do not apply database migrations first"
    )
    indicators.set_defaults(func=cmd_import_indicators)
    for what, description in (
        ("population", "population projections: area_code, year, sex, age_band, population[, source]"),
        (
            "prevalence",
            "prevalence rates for need projections: measure_code, measure_name, sex, age_band, rate "
            "(a fraction)[, care_group, source, assumptions]",
        ),
    ):
        sub_command = import_sub.add_parser(what, help=description, description=f"Import {description}.")
        sub_command.add_argument("file", help="the CSV file")
        sub_command.add_argument("--partnership", required=True, help="the partnership's slug")
        sub_command.add_argument("--user", help="who is importing (default: the system account)")
        sub_command.add_argument("--max-errors", type=int, default=50, help="problems to list (default 50)")
        sub_command.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
        sub_command.set_defaults(func=cmd_import_projection_file)
    for what, description in (
        (
            "actuals",
            "actuals: a ledger extract (cost_centre, period, amount, partner[, supplier, reference, "
            "description]) as CSV, xlsx or Parquet, or a council's spend over £500 file in the "
            "Transparency Code layout (--kind transparency)",
        ),
        ("forecasts", "forecast outturns: cost_centre, partner, made_in (YYYY-MM), outturn"),
    ):
        ledger_command = import_sub.add_parser(
            what,
            help=description.split(":")[0] + " for a financial year's budget lines",
            description=(
                f"Import {description}. Rows map to budget lines by partner (ODS or GSS code) and cost "
                "centre. Every row is checked first; the file lands whole or not at all, replacing "
                + (
                    "the actuals held for the budget lines and months it restates."
                    if what == "actuals"
                    else "only forecasts made in the same month, so earlier months stay as history."
                )
            ),
        )
        ledger_command.add_argument("file", help="the CSV, xlsx or Parquet file")
        ledger_command.add_argument("--partnership", required=True, help="the partnership's slug")
        ledger_command.add_argument(
            "--year", type=int, required=True, help="the financial year: 2026 is 2026/27"
        )
        if what == "actuals":
            ledger_command.add_argument(
                "--kind", choices=("ledger", "transparency"), default="ledger", help="the file's layout"
            )
            ledger_command.add_argument(
                "--partner",
                help="the council that published a spend file, by GSS code "
                "(default: the partnership's only council)",
            )
        ledger_command.add_argument("--user", help="who is importing (default: the system account)")
        ledger_command.add_argument(
            "--max-errors", type=int, default=50, help="problems to list (default 50)"
        )
        ledger_command.add_argument(
            "--no-migrate", action="store_true", help="do not apply database migrations first"
        )
        ledger_command.set_defaults(func=cmd_import_ledger)

    for what, description, handler in (
        (
            "ocds",
            "OCDS releases (a release package, a list of releases or one release, such as a Contracts "
            "Finder download) as procurements, with their awards and the suppliers' bids; an ocid seen "
            "before updates its procurement",
            cmd_import_ocds,
        ),
        (
            "grants",
            "a 360Giving CSV of grants; every funder must be an organisation of the partnership, named "
            "by its org-id (e.g. GB-LAE-TRF)",
            cmd_import_grants,
        ),
        (
            "contracts",
            "a contract register as CSV or xlsx: reference, title, provider, lead_commissioner, start, end, "
            "annual_value, lifetime_value, payment_basis, service_type[, care_group, …] and the funding as "
            "funder_1, amount_1, funder_2, amount_2 …, adding to the lifetime value",
            cmd_import_contracts,
        ),
        (
            "placements",
            "placements and packages of care as CSV or xlsx: person_ref, nhs_number (optional, kept only "
            "as a keyed hash), provider, service_type, care_group, unit_price, units_per_week, start, end, "
            "funding_partner, support_option, contract_reference (optional)",
            cmd_import_placements,
        ),
        (
            "returns",
            "providers' KPI returns as CSV or xlsx: contract_reference, kpi_code, period_start (YYYY-MM-DD "
            "or YYYY-MM), value, commentary, correction_reason (optional: the row corrects a return)",
            cmd_import_returns,
        ),
    ):
        open_data = import_sub.add_parser(
            what,
            help=description.split(";")[0].split(" (")[0],
            description=f"Import {description}. Everything is checked first; it lands whole or not at all.",
        )
        open_data.add_argument("file", help="the JSON file" if what == "ocds" else "the CSV or xlsx file")
        open_data.add_argument("--partnership", required=True, help="the partnership's slug")
        open_data.add_argument("--user", help="who is importing (default: the system account)")
        open_data.add_argument("--max-errors", type=int, default=50, help="problems to list (default 50)")
        open_data.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
        open_data.set_defaults(func=handler)

    exports = sub.add_parser("export", help="export data files", description="Export a partnership's data.")
    export_sub = exports.add_subparsers(dest="what", required=True, metavar="WHAT")
    export_indicators = export_sub.add_parser(
        "indicators",
        help="the JSNA's headline values in the Fingertips layout",
        description=(
            "Write every headline indicator value for the partnership's areas, their comparators, "
            "regions and England, in the Fingertips CSV layout, with small numbers suppressed."
        ),
    )
    export_indicators.add_argument("--partnership", required=True, help="the partnership's slug")
    export_indicators.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export_indicators.add_argument("--output", help="the file to write (default <slug>-jsna.<format>)")
    export_indicators.set_defaults(func=cmd_export_indicators)

    export_ocds = export_sub.add_parser(
        "ocds",
        help="procurements and contracts as an OCDS 1.1 release package",
        description=(
            "Write the partnership's procurements and contracts as an OCDS 1.1 release package (JSON), "
            "checked against the schema first: an invalid package is not written. Bids never appear."
        ),
    )
    export_ocds.add_argument("--partnership", required=True, help="the partnership's slug")
    export_ocds.add_argument("--output", help="the file to write (default <slug>-ocds.json)")
    export_ocds.add_argument(
        "--base-url", default="http://localhost:8000", help="the site's address, for the package's URI"
    )
    export_ocds.set_defaults(func=cmd_export_ocds)
    export_grants = export_sub.add_parser(
        "grants",
        help="grants in the 360Giving CSV layout",
        description="Write the partnership's grants as a CSV with the 360Giving column titles.",
    )
    export_grants.add_argument("--partnership", required=True, help="the partnership's slug")
    export_grants.add_argument("--output", help="the file to write (default <slug>-360giving.csv)")
    export_grants.set_defaults(func=cmd_export_grants)

    rules = sub.add_parser(
        "rules", help="procurement rule sets", description="Load or list the procurement rule sets."
    )
    rules_sub = rules.add_subparsers(dest="what", required=True, metavar="WHAT")
    rules_load = rules_sub.add_parser(
        "load",
        help="load the national rule set files",
        description=(
            "Check every rule set file and create, update or leave each national rule set by its code; "
            "safe to run again. A bad file stops the load with nothing changed."
        ),
    )
    rules_load.add_argument("--dir", help="the directory of JSON files (default: the shipped rule sets)")
    rules_load.add_argument(
        "--no-migrate", action="store_true", help="do not apply database migrations first"
    )
    rules_load.set_defaults(func=cmd_rules_load)
    rules_list = rules_sub.add_parser(
        "list",
        help="the rule sets in force today",
        description="List the national rule sets in force on a day (default today), with dates and sources.",
    )
    rules_list.add_argument("--on", help="the day, as YYYY-MM-DD (default today)")
    rules_list.add_argument("--partnership", help="also the partnership's own rule sets, by slug")
    rules_list.set_defaults(func=cmd_rules_list)

    escalate = sub.add_parser(
        "escalate",
        help="run the performance escalation rules now",
        description=(
            "Check every active contract's KPIs and every provider's quality rating against the "
            "partnership's escalation rules; open the reviews they call for and notify the managers."
        ),
    )
    escalate.add_argument("--partnership", required=True, help="the partnership's slug")
    escalate.add_argument("--no-migrate", action="store_true", help="do not apply database migrations first")
    escalate.set_defaults(func=cmd_escalate)

    manage = sub.add_parser(
        "manage",
        help="run a Django management command",
        add_help=False,
        description="Run a Django management command, e.g. `commissioning manage migrate`.",
    )
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
