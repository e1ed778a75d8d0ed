import pytest

from commissioning.core.permissions import Role

pytestmark = pytest.mark.django_db


def test_area_page_shows_hierarchy_comparators_and_history(client_for):
    page = client_for("southampton", Role.COMMISSIONER).get("/p/southampton/areas/E06000045/").text
    assert "<h1>Southampton</h1>" in page
    assert ">South East</a>" in page
    for comparator in ["Portsmouth", "Plymouth", "City of Bristol", "Brighton and Hove"]:
        assert comparator in page
    assert "<h2>History</h2>" in page and "Imported" in page


def test_county_page_lists_its_districts_and_abolished_councils_keep_dates(client_for):
    page = client_for("nottinghamshire", Role.VIEWER).get("/p/nottinghamshire/areas/E10000024/").text
    assert "Rushcliffe" in page and "Bassetlaw" in page
    gone = client_for("nottinghamshire", Role.VIEWER).get("/p/nottinghamshire/areas/E07000026/").text
    assert "until 1 April 2023" in gone and "replaced by CBD" in gone


def test_unknown_area_is_not_found(client_for):
    assert client_for("southampton", Role.VIEWER).get("/p/southampton/areas/E06999999/").status_code == 404
