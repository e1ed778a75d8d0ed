from commissioning.core.permissions import Role


def test_dashboard_shows_partnership(client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.get("/p/southampton/")
    assert response.status_code == 200
    assert "Southampton Integrated Commissioning" in response.text
