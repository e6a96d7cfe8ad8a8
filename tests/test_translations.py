"""Everything attendants read is in Brazilian Portuguese: the pt_BR catalogues are complete."""
import re
from pathlib import Path

import polib
import pytest

ADDONS = Path(__file__).resolve().parent.parent / "addons"
MODULES = ["whatsapp_crm", "whatsapp_crm_lgpd"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%s|%d|\{\{?\w*\}?\}")


@pytest.mark.parametrize("module", MODULES)
def test_pt_br_translates_every_string(module):
    template = polib.pofile(str(ADDONS / module / "i18n" / f"{module}.pot"))
    catalogue = polib.pofile(str(ADDONS / module / "i18n" / "pt_BR.po"))
    translated = {(entry.msgctxt, entry.msgid): entry for entry in catalogue if not entry.obsolete}
    missing = [entry.msgid for entry in template
               if not (found := translated.get((entry.msgctxt, entry.msgid))) or not found.msgstr
               or "fuzzy" in found.flags]
    assert not missing, f"{len(missing)} untranslated in {module}: {missing[:10]}"


@pytest.mark.parametrize("module", MODULES)
def test_pt_br_keeps_placeholders(module):
    catalogue = polib.pofile(str(ADDONS / module / "i18n" / "pt_BR.po"))
    broken = [entry.msgid for entry in catalogue if entry.msgstr
              and sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr))]
    assert not broken, f"placeholders differ in {module}: {broken[:10]}"
