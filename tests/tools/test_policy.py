from tools.policy import DATA_CATEGORIES, FIELD_CATEGORIES, Decision, mask


def test_every_field_maps_to_a_known_category():
    assert set(FIELD_CATEGORIES.values()) <= set(DATA_CATEGORIES)


def test_mask_withholds_only_masked_categories():
    record = {"name": "Ada", "email": "ada@example.com", "industry": "Retail", "id": "con-1"}
    out = mask(record, Decision(True, masked=frozenset({"contact_details"})))
    assert out["name"].startswith("[withheld") and out["email"].startswith("[withheld")
    assert out["industry"] == "Retail" and out["id"] == "con-1"
    assert mask(record, Decision(True)) == record
