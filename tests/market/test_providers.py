"""The provider register: registering providers, their locations, services and ratings, finding a
provider by what people type, and the register pages.

Providers are made here through ``provider_services`` with names the demo does not use ("Register
Test …"), so what each page must show is known in advance.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.market import provider_selectors as selectors
from commissioning.market import provider_services as services
from commissioning.market.models import Provider, Rating, ServiceOffer
from commissioning.partners.models import Organisation

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/providers"


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def homes(southampton, commissioner):
    """A private care home group with two locations, nursing beds and a rating history."""
    provider = services.register_provider(
        actor=commissioner,
        partnership=southampton,
        name="Register Test Homes Ltd",
        kind=Organisation.Kind.PRIVATE_PROVIDER,
        sector="",
        companies_house_number="09990001",
        cqc_provider_id="1-101641421",
        is_sme=True,
    )
    north = services.add_location(
        actor=commissioner, provider=provider, name="North House", postcode="so14 7ly"
    )
    services.add_location(actor=commissioner, provider=provider, name="South House")
    services.add_service_offer(
        actor=commissioner,
        provider=provider,
        service_type="nursing",
        capacity=40,
        capacity_unit="beds",
        location=north,
    )
    services.add_service_offer(
        actor=commissioner, provider=provider, service_type="residential", capacity=25, capacity_unit="beds"
    )
    services.record_rating(
        actor=commissioner, provider=provider, rating="good", rated_on=dt.date(2022, 3, 1), source="cqc"
    )
    services.record_rating(
        actor=commissioner,
        provider=provider,
        rating="requires_improvement",
        rated_on=dt.date(2024, 9, 12),
        source="cqc",
        location=north,
        report_url="https://www.cqc.org.uk/location/1-000000001",
    )
    return provider


# Registering -------------------------------------------------------------------------------


def test_registering_a_new_provider_creates_the_organisation_and_audits_both(homes):
    organisation = homes.organisation
    assert organisation.kind == "private_provider"
    assert organisation.org_id == "GB-COH-09990001"
    assert homes.sector == "private"  # from the kind, as none was given
    assert homes.is_sme is True
    for obj in (organisation, homes):
        assert AuditEvent.objects.filter(
            object_id=str(obj.pk), object_type__model=obj._meta.model_name, action="create"
        ).exists()


def test_an_identifier_already_known_brings_in_that_organisation(southampton, commissioner):
    trust = Organisation.objects.create(name="Register Test NHS Trust", kind="nhs_trust", ods_code="RZ9")
    provider = services.register_provider(
        actor=commissioner, partnership=southampton, name="ignored", kind="nhs_trust", ods_code="rz9"
    )
    assert provider.organisation == trust
    assert provider.sector == "nhs"
    assert Organisation.objects.filter(ods_code="RZ9").count() == 1
    assert not Organisation.objects.filter(name="ignored").exists()
    with pytest.raises(ValidationError) as refused:
        services.register_provider(actor=commissioner, partnership=southampton, organisation=trust)
    assert "already in" in str(refused.value.message_dict["organisation"])


def test_a_commissioning_organisation_cannot_be_a_provider(southampton, commissioner):
    council = Organisation.objects.get(gss_code="E06000045")
    with pytest.raises(ValidationError) as refused:
        services.register_provider(actor=commissioner, partnership=southampton, organisation=council)
    assert (
        "Southampton City Council is a local authority, a commissioner"
        in refused.value.message_dict["organisation"][0]
    )
    with pytest.raises(ValidationError) as refused:
        services.register_provider(
            actor=commissioner, partnership=southampton, name="Register Test ICB", kind="icb"
        )
    assert "commissioner, not a provider" in refused.value.message_dict["kind"][0]
    # Found through its ODS code, the CCG is refused too.
    with pytest.raises(ValidationError):
        services.register_provider(
            actor=commissioner, partnership=southampton, name="x", kind="vcse", ods_code="10X"
        )
    assert not Provider.objects.filter(organisation__kind__in=Organisation.COMMISSIONING_KINDS).exists()
    assert not Organisation.objects.filter(name="Register Test ICB").exists()


def test_bad_identifiers_and_a_viewer_are_refused(southampton, commissioner, user_for):
    with pytest.raises(ValidationError) as refused:
        services.register_provider(
            actor=commissioner,
            partnership=southampton,
            name="Register Test Bad",
            kind="vcse",
            charity_number="12",
            cqc_provider_id="1-9",
        )
    assert "charity_number" in refused.value.message_dict
    assert not Organisation.objects.filter(name="Register Test Bad").exists()
    with pytest.raises(NotPermitted):
        services.register_provider(
            actor=user_for("southampton", Role.VIEWER),
            partnership=southampton,
            name="Register Test Viewer",
            kind="vcse",
        )


def test_locations_and_services_are_checked(homes, commissioner, nottinghamshire):
    with pytest.raises(ValidationError) as refused:
        services.add_location(actor=commissioner, provider=homes, name="north house")
    assert "already has a location called north house" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        services.add_location(actor=commissioner, provider=homes, name="East", postcode="NOT A CODE")
    assert "postcode" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.add_service_offer(actor=commissioner, provider=homes, service_type="home_care", capacity=100)
    assert "capacity_unit" in refused.value.message_dict
    assert homes.locations.get(name="North House").postcode == "SO14 7LY"
    assert ServiceOffer.objects.filter(provider=homes).count() == 2


# Ratings -----------------------------------------------------------------------------------


def test_a_rating_in_the_future_is_refused(homes, commissioner):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.record_rating(
            actor=commissioner, provider=homes, rating="good", rated_on=tomorrow, source="cqc"
        )
    assert "cannot be dated in the future" in refused.value.message_dict["rated_on"][0]
    services.record_rating(
        actor=commissioner, provider=homes, rating="outstanding", rated_on=timezone.localdate(), source="cqc"
    )
    assert homes.ratings.count() == 3


def test_the_latest_rating_is_the_most_recent(homes, southampton, commissioner):
    [row] = [r for r in selectors.provider_register(southampton) if r.provider == homes]
    assert row.latest.code == "requires_improvement"
    assert row.latest.css == "nhsuk-tag nhsuk-tag--orange"
    assert row.rated_on == dt.date(2024, 9, 12)
    assert row.locations == 2
    assert row.services == ("Nursing care", "Residential care")
    assert row.capacity == ("65 beds",)
    # An older rating recorded later does not displace it.
    services.record_rating(
        actor=commissioner, provider=homes, rating="inadequate", rated_on=dt.date(2020, 1, 1), source="cqc"
    )
    [row] = [r for r in selectors.provider_register(southampton) if r.provider == homes]
    assert row.latest.label == "Requires improvement"
    history = selectors.rating_history(homes)
    assert [h.rating.rated_on for h in history] == [
        dt.date(2020, 1, 1),
        dt.date(2022, 3, 1),
        dt.date(2024, 9, 12),
    ]
    assert [h.where for h in history][-1] == "North House"


def test_register_filters(homes, southampton, commissioner):
    other = services.register_provider(
        actor=commissioner, partnership=southampton, name="Register Test Carers Trust", kind="vcse"
    )
    names = lambda **f: {r.name for r in selectors.provider_register(southampton, **f)}  # noqa: E731
    assert "Register Test Homes Ltd" in names(rating="requires_improvement")
    assert "Register Test Homes Ltd" not in names(rating="good")
    assert "Register Test Carers Trust" in names(rating="not_yet_rated")
    assert "Register Test Carers Trust" in names(sector="vcse")
    assert "Register Test Homes Ltd" not in names(sector="vcse")
    assert names(service_type="nursing", text="register test") == {"Register Test Homes Ltd"}
    assert other.sector == "vcse"


def test_market_summary(homes, southampton, commissioner):
    before = selectors.market_summary(southampton)
    good = services.register_provider(
        actor=commissioner, partnership=southampton, name="Register Test Good Care", kind="private_provider"
    )
    services.record_rating(
        actor=commissioner, provider=good, rating="outstanding", rated_on=dt.date(2025, 1, 1), source="cqc"
    )
    services.add_service_offer(
        actor=commissioner, provider=good, service_type="nursing", capacity=10, capacity_unit="beds"
    )
    after = selectors.market_summary(southampton)
    assert after.providers == before.providers + 1
    assert after.judged == before.judged + 1
    assert after.good_or_outstanding == before.good_or_outstanding + 1
    by_rating = {t.key: t.count for t in after.by_rating}
    assert by_rating["outstanding"] == {t.key: t.count for t in before.by_rating}["outstanding"] + 1
    nursing = {(c.service_type, c.unit): c.capacity for c in after.capacity}[("nursing", "beds")]
    assert (
        nursing
        == {(c.service_type, c.unit): c.capacity for c in before.capacity}.get(("nursing", "beds"), 0) + 10
    )


def test_market_summary_share_is_exact():
    summary = selectors.MarketSummary(
        providers=3, by_sector=(), by_rating=(), judged=3, good_or_outstanding=2
    )
    assert str(summary.share_good_or_outstanding) == "66.7"
    assert selectors.MarketSummary(0, (), (), 0, 0).share_good_or_outstanding is None


# Finding a provider ------------------------------------------------------------------------


def test_find_provider_by_name_org_id_and_identifiers(homes, southampton):
    for text in (
        "Register Test Homes Ltd",
        "  register   test homes LTD ",
        "GB-COH-09990001",
        "gb-coh-09990001",
        "09990001",
        "1-101641421",
    ):
        assert services.find_provider(partnership=southampton, text=text) == homes


def test_an_unknown_provider_gets_a_clear_message(homes, southampton, nottinghamshire):
    with pytest.raises(ValidationError) as refused:
        services.find_provider(partnership=southampton, text="Acme  Care")
    assert refused.value.messages == ["No provider called Acme Care in this partnership's register."]
    # Registered in Southampton, unknown in Nottinghamshire.
    with pytest.raises(ValidationError):
        services.find_provider(partnership=nottinghamshire, text="Register Test Homes Ltd")


def test_provider_lookup_resolves_many_in_one_query(homes, southampton, django_assert_num_queries):
    with django_assert_num_queries(1):
        lookup = services.provider_lookup(southampton)
    assert lookup[services.provider_key("REGISTER TEST HOMES LTD")] == homes
    assert lookup["gb-coh-09990001"] == homes
    assert lookup["1-101641421"] == homes


# Pages -------------------------------------------------------------------------------------


def test_register_page_shows_ratings_and_exports(client_for, homes):
    viewer = client_for("southampton", Role.VIEWER)
    text = _text(_page(viewer.get(f"{BASE}/")))
    assert "Provider register" in text
    assert "Register Test Homes Ltd" in text
    assert "Requires improvement" in text
    assert "65 beds" in text
    assert "Register a provider" not in text  # a viewer cannot
    html = _page(viewer.get(f"{BASE}/?rating=good&q=register+test"))
    assert "Register Test Homes Ltd" not in html
    response = viewer.get(f"{BASE}/?format=csv&q=register+test+homes")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["Provider"], r["Latest rating"], r["Rated on"], r["Capacity"]) for r in rows] == [
        ("Register Test Homes Ltd", "Requires improvement", "2024-09-12", "65 beds")
    ]
    response = viewer.get(f"{BASE}/?format=xlsx&q=register+test+homes")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "Register Test Homes Ltd"


def test_register_page_queries_do_not_grow(
    client_for, southampton, commissioner, django_assert_max_num_queries
):
    viewer = client_for("southampton", Role.VIEWER)
    url = f"{BASE}/"
    viewer.get(url)  # warm the session
    with django_assert_max_num_queries(40) as few:
        _page(viewer.get(url))
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Register Test Bulk {n:02d}", kind="private_provider") for n in range(40)
    )
    providers = Provider.objects.bulk_create(
        Provider(partnership=southampton, organisation=o, sector="private") for o in organisations
    )
    ServiceOffer.objects.bulk_create(
        ServiceOffer(provider=p, service_type="home_care", capacity=100, capacity_unit="hours_per_week")
        for p in providers
    )
    Rating.objects.bulk_create(
        Rating(provider=p, rating="good", rated_on=dt.date(2024, 1, 1) + dt.timedelta(days=n))
        for n, p in enumerate(providers)
    )
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        text = _text(_page(viewer.get(url)))
    assert "Register Test Bulk 39" in text
    assert len(many.captured_queries) == len(few.captured_queries)


def test_registering_and_rating_through_the_pages(client_for, southampton):
    commissioner = client_for("southampton", Role.COMMISSIONER)
    response = commissioner.post(
        f"{BASE}/new/",
        {"name": "Register Test Page Care", "kind": "vcse", "charity_number": "1123456", "sector": ""},
    )
    provider = Provider.objects.get(partnership=southampton, organisation__name="Register Test Page Care")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/{provider.pk}/"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    html = _page(
        commissioner.post(
            f"{BASE}/{provider.pk}/rate/", {"rating": "good", "rated_on": tomorrow, "source": "cqc"}
        )
    )
    assert "There is a problem" in html
    assert "cannot be dated in the future" in html
    response = commissioner.post(
        f"{BASE}/{provider.pk}/rate/", {"rating": "good", "rated_on": "2025-05-01", "source": "cqc"}
    )
    assert response.status_code == 302
    response = commissioner.post(
        f"{BASE}/{provider.pk}/locations/new/", {"name": "Page House", "postcode": ""}
    )
    assert response.status_code == 302
    response = commissioner.post(
        f"{BASE}/{provider.pk}/services/new/",
        {"service_type": "day_opportunities", "capacity": "30", "capacity_unit": "places"},
    )
    assert response.status_code == 302
    response = commissioner.post(
        f"{BASE}/{provider.pk}/edit/", {"sector": "social_enterprise", "description": "Day centres."}
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.sector == "social_enterprise"
    text = _text(_page(commissioner.get(f"{BASE}/{provider.pk}/")))
    assert "Register Test Page Care" in text
    assert "GB-CHC-1123456" in text
    assert "Page House" in text
    assert "30 places" in text
    assert "Good" in text and "1 May 2025" in text


def test_registering_a_council_through_the_page_is_refused(client_for, southampton):
    commissioner = client_for("southampton", Role.COMMISSIONER)
    html = _page(
        commissioner.post(f"{BASE}/new/", {"name": "Register Test Council", "kind": "", "sector": ""})
    )
    assert "There is a problem" in html
    assert "Say what kind of provider this is" in html


def test_viewers_cannot_register_and_others_cannot_see(client_for, homes):
    assert client_for("southampton", Role.VIEWER).get(f"{BASE}/new/").status_code == 403
    assert client_for("southampton", Role.VIEWER).get(f"{BASE}/{homes.pk}/rate/").status_code == 403
    assert client_for("southampton", Role.PROVIDER_CONTACT).get(f"{BASE}/").status_code == 403
    assert (
        client_for("nottinghamshire", Role.ADMINISTRATOR)
        .get(f"/p/nottinghamshire/providers/{homes.pk}/")
        .status_code
        == 404
    )
