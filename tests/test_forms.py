"""The public pages' form fields and widgets (kb/forms.py)."""

import pytest

from kb.views import InForceForm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("2024-06-01", "2024-06-01"),
        ("notadate", None),
        ("2024-13-45", None),
        ("2024-6-1", "2024-06-01"),
    ],
    ids=["valid", "words", "impossible", "unpadded"],
)
def test_the_date_input_echoes_only_a_real_iso_date(db, typed, shown):
    form = InForceForm({"on": typed})
    form.is_valid()
    html = str(form["on"])
    assert (f'value="{shown}"' in html) if shown else ("value=" not in html)
