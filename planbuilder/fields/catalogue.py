"""`catalogue`: entries ticked from one of the template's catalogues (support lines, say); the document prints
each entry with its contact and description."""
from __future__ import annotations

from .base import is_empty, register
from .blocks import Item, Items, clean_text
from .choice import MultipleChoice


def read_catalogue(declaration, required: bool) -> str | None:
    catalogue = declaration.raw.get("catalogue")
    if required and not catalogue:
        declaration.problem(f"a {declaration.raw.get('type')} field needs 'catalogue'")
    if catalogue is not None and catalogue not in (declaration.catalogues or {}):
        declaration.problem(f"catalogue '{catalogue}' does not exist")
    return catalogue


class Catalogue(MultipleChoice):
    name = "catalogue"
    schema_properties = {"catalogue": {"type": "string",
                                       "description": "The catalogue the entries are picked from (required)."}}

    def declare(self, declaration):
        return {"catalogue": read_catalogue(declaration, required=True)}

    def allowed(self, field, template):
        return {e.id: e.name for e in template.catalogues.get(field.catalogue or "", ())}

    def document_block(self, field, value, template, edition):
        items = []
        for entry_id in value if isinstance(value, list) else []:
            entry = template.catalogue_entry(field.catalogue or "", str(entry_id))
            if entry is not None:
                items.append(Item(clean_text(entry.name), clean_text(entry.extra.get("contact", "")),
                                  clean_text(entry.description)))
        return Items(field.label, tuple(items)) if items else None

    def texts(self, field, value, template, compact=False):
        return () if is_empty(value) else super().texts(field, value, template, compact)


CATALOGUE = register(Catalogue())
