"""Feedback through the mock: options, create and update with the reference's checks."""

import pytest

import pendo_lab

REQUIRED = {"title": "Dark mode", "account_id": "acme", "importance": 2, "app_ids": [-323232]}


def test_options(client, mock, run):
    mock.reply(body={"appIds": [-323232], "productAreas": ["_PENDO_DEFAULTGROUP_00_"]})
    assert run(client.feedback.options())["appIds"] == [-323232]
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/feedback/options")


def test_create_sends_the_documented_fields(client, mock, run):
    mock.reply(body={"id": "fb-1"})
    answer = run(client.feedback.create(
        **REQUIRED, visitor_id="ann", description="Easier on the eyes",
        product_areas=["_PENDO_DEFAULTGROUP_00_"],
        labels=[{"name": "Admin", "category": "Role"}, {"name": "label"}],
        extra={"linksData": [{"title": "Pendo", "linkUrl": "https://app.pendo.io"}]}))
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/feedback")
    assert mock.last_json() == {
        "title": "Dark mode", "accountId": "acme", "importance": 2, "appIds": [-323232],
        "visitorId": "ann", "description": "Easier on the eyes",
        "productAreas": ["_PENDO_DEFAULTGROUP_00_"],
        "labels": [{"name": "Admin", "category": "Role"}, {"name": "label"}],
        "linksData": [{"title": "Pendo", "linkUrl": "https://app.pendo.io"}],
    }
    assert answer == {"id": "fb-1"}


def test_create_sends_only_what_is_given(client, mock, run):
    run(client.feedback.create(title="Dark mode", account_id="acme", importance=-1,
                               app_ids=-323232))
    assert mock.last_json() == {"title": "Dark mode", "accountId": "acme", "importance": -1,
                                "appIds": [-323232]}


@pytest.mark.parametrize("change,message", [
    ({"title": None}, "feedback needs title"),
    ({"account_id": None, "app_ids": None}, "feedback needs account_id, app_ids"),
    ({"title": "   "}, "title must be a non-blank string"),
    ({"importance": 0}, r"importance=0 is not valid: use -1 \(not interested\), 1 \(nice to "),
    ({"importance": 3}, "importance=3 is not valid"),
    ({"importance": True}, "importance=True is not valid"),
    ({"importance": "2"}, "importance='2' is not valid"),
    ({"app_ids": []}, "non-empty list of numeric app ids"),
    ({"app_ids": ["-323232"]}, "numeric app ids"),
    ({"visitor_id": ""}, "visitor_id must be a non-blank string"),
    ({"description": 5}, "description must be a string"),
    ({"product_areas": "area-1"}, "product_areas must be a list"),
    ({"labels": [{"category": "Role"}]}, 'non-blank "name"'),
    ({"labels": ["Admin"]}, 'non-blank "name"'),
    ({"extra": {"accountId": "other"}}, r"extra repeats \['accountId'\]"),
])
def test_create_checks_fields_before_sending(client, mock, run, change, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.feedback.create(**{**REQUIRED, **change}))
    assert mock.requests == []


def test_create_is_not_retried_on_a_server_error(client, mock, run):
    mock.reply(503, {"message": "unavailable"})
    with pytest.raises(pendo_lab.ServerError):
        run(client.feedback.create(**REQUIRED))
    assert len(mock.requests) == 1


def test_update_patches_only_the_given_fields(client, mock, run):
    mock.reply(body={"id": "HyyP3t3V2", "importance": -1})
    answer = run(client.feedback.update("HyyP3t3V2", app_ids=[-323232], importance=-1,
                                        product_areas=[], labels=[{"name": "newlabel"}]))
    assert (mock.last.method, mock.last.url.path) == ("PATCH", "/api/v1/feedback/HyyP3t3V2")
    assert mock.last_json() == {"appIds": [-323232], "importance": -1, "productAreas": [],
                                "labels": [{"name": "newlabel"}]}
    assert answer["importance"] == -1


@pytest.mark.parametrize("feedback_id,change,message", [
    ("fb-1", {"title": ""}, "title must be a non-blank string"),
    ("fb-1", {"importance": 5}, "importance=5 is not valid"),
    ("fb-1", {"app_ids": None}, "feedback needs app_ids"),
    ("", {}, "empty id"),
])
def test_update_checks_fields_before_sending(client, mock, run, feedback_id, change, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.feedback.update(feedback_id, **{"app_ids": [-323232], **change}))
    assert mock.requests == []


def test_unknown_feedback_is_not_found(client, mock, run):
    mock.reply(404, {"message": "The appId, accountId, or visitorId provided do not exist."})
    with pytest.raises(pendo_lab.NotFoundError) as info:
        run(client.feedback.update("fb/9", app_ids=[1], title="x"))
    assert info.value.path == "/api/v1/feedback/fb%2F9"
