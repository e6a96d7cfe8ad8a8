#!/usr/bin/env bash
# Refresh the translation templates (i18n/<module>.pot) from the code and merge them into the
# pt_BR catalogues, keeping existing translations. Translate new entries, then run `make test`.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare run
DB="${WHATSAPP_CRM_I18N_DB:-whatsapp_crm_i18n}"
CONF="$STATE_DIR/odoo-i18n.conf"
write_odoo_conf "$CONF" "$DB"
drop_db "$DB"
odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS_TO_INSTALL" --stop-after-init --log-level=warn --no-http
for module in ${ADDONS_TO_INSTALL//,/ }; do
    dir="$PROJECT_DIR/addons/$module/i18n"
    mkdir -p "$dir"
    # `odoo-bin i18n` accepts only -c/-d (connection details come from $CONF), so odoo_bin's
    # --db_* options would be rejected: call odoo-bin directly.
    "$PY" "$ODOO_SRC/odoo-bin" --addons-path="$ADDONS_PATH" i18n export -c "$CONF" -d "$DB" \
        -l pot -o "$dir/$module.pot" "$module"
    if ! grep -q '^msgid ""' "$dir/$module.pot" 2>/dev/null; then
        # Odoo writes an empty file for a module without translatable terms yet; give it the
        # header anyway so msginit/msgmerge (now and when terms arrive) keep an Odoo-style catalogue.
        cat > "$dir/$module.pot" <<POT
# Translation of Odoo Server.
# This file contains the translation of the following modules:
# 	* $module
#
msgid ""
msgstr ""
"Project-Id-Version: Odoo Server 19.0\\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: $(date -u '+%Y-%m-%d %H:%M+0000')\\n"
"PO-Revision-Date: $(date -u '+%Y-%m-%d %H:%M+0000')\\n"
"Last-Translator: \\n"
"Language-Team: \\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: \\n"
"Plural-Forms: \\n"
POT
    fi
    if [[ -s "$dir/pt_BR.po" ]]; then
        msgmerge --quiet --update --no-fuzzy-matching --backup=none "$dir/pt_BR.po" "$dir/$module.pot"
    else
        msginit --no-translator --locale=pt_BR --input="$dir/$module.pot" --output-file="$dir/pt_BR.po"
        # Odoo's header style: no "Automatically generated" translator, no "none" team.
        sed -i -e 's/^"Last-Translator: .*\\n"$/"Last-Translator: \\n"/' \
            -e 's/^"Language-Team: .*\\n"$/"Language-Team: \\n"/' "$dir/pt_BR.po"
    fi
    log "$module: $(msgfmt --statistics -o /dev/null "$dir/pt_BR.po" 2>&1)"
done
drop_db "$DB"
