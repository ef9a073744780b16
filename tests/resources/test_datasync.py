"""Data Sync credential rotation through the mock: one body per storage type, checked locally."""

import pytest

import pendo_lab

CREDENTIALS = {
    "gcs": {"serviceAccount": "exporter@example.iam.gserviceaccount.com",
            "secretKey": "gcs-secret-0e1f"},
    "s3": {"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "s3-secret-9a8b"},
    "azure": {"clientId": "0b501e7e-feed-da1e-iced-c0ffee000000",
              "clientSecret": "azure-secret-7c6d"},
}


@pytest.mark.parametrize("storage", sorted(CREDENTIALS))
def test_rotate_puts_the_credentials(client, mock, run, storage):
    mock.reply(content=b"")
    assert run(client.datasync.rotate_credentials(storage, CREDENTIALS[storage])) is None
    assert mock.last.method == "PUT"
    assert mock.last.url.path == \
        f"/api/v1/datasync/storageTypes/{storage}/destinations/Default/credentials"
    assert mock.last_json() == CREDENTIALS[storage]


def test_unknown_storage_type_lists_the_valid_ones(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="use one of gcs, s3, azure"):
        run(client.datasync.rotate_credentials("dropbox", {"token": "t"}))
    assert mock.requests == []


@pytest.mark.parametrize("credentials,message", [
    ({"accessKeyId": "AKIAEXAMPLE"}, "missing or blank secretAccessKey"),
    ({"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "  "}, "missing or blank secretAccessKey"),
    ({"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "s3-secret-9a8b", "region": "x"},
     "unknown field.*region"),
    ({"serviceAccount": "x", "secretKey": "gcs-secret-0e1f"}, "missing or blank accessKeyId"),
    ("AKIAEXAMPLE:s3-secret-9a8b", "must be a dict"),
])
def test_bad_credentials_are_rejected_without_echoing_secrets(client, mock, run, credentials,
                                                               message):
    with pytest.raises(pendo_lab.ValidationError, match=message) as info:
        run(client.datasync.rotate_credentials("s3", credentials))
    assert "secret-" not in str(info.value)
    assert mock.requests == []


def test_a_rejected_rotation_is_a_bad_request(client, mock, run):
    mock.reply(400, {"message": "Unable to validate the updated credentials provided"})
    with pytest.raises(pendo_lab.BadRequestError, match="Unable to validate"):
        run(client.datasync.rotate_credentials("azure", CREDENTIALS["azure"]))
