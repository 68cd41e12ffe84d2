"""A JSON Schema of a job definition file, for editors and ``check-jsonschema``.

The schema is generated from the pydantic models in :mod:`qslint.model`, so it says what
qslint validates and cannot drift from it. Where the models mean more than pydantic writes
down, the generator below says it:

- an optional field may be left out but not set to null (``ApiModel`` refuses an explicit
  null, as boto3 does), so there is no ``null`` alternative and no ``default: null``;
- the limits a rule owns (:class:`~qslint.model.RuleLimit`) become ``minItems``/``maxItems``
  too, with the service model's bounds, so that an editor flags them where they are typed;
- every field and every object carries its description from botocore's ``quicksight``
  service model, as plain text (the service model writes HTML);
- the ``sensitive`` marker the models keep for qslint's own reports is left out: no editor
  reads it.

botocore is imported here and not by :mod:`qslint.model`: only ``qslint schema`` pays for it.
"""

import functools
import re
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import botocore.session
from botocore.model import Shape
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue, NoDefault
from pydantic_core import CoreSchema, core_schema

from qslint.compiled_model import model_at
from qslint.fanout.expansion import FAN_OUT_KEY, FOR_EACH, ROW_NAME
from qslint.findings import JsonPath
from qslint.model import RuleLimit, StartDashboardSnapshotJobRequest

DRAFTS: dict[str, str] = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "07": "http://json-schema.org/draft-07/schema#",
}
TITLE = "Amazon QuickSight StartDashboardSnapshotJob definition (qslint)"
SERVICE, OPERATION = "quicksight", "StartDashboardSnapshotJob"


def job_definition_schema(draft: str = "2020-12") -> dict[str, Any]:
    """The JSON Schema of one job definition (one YAML document or one JSON file)."""
    if draft not in DRAFTS:
        raise ValueError(f"unknown JSON Schema draft {draft!r}; choose from {', '.join(DRAFTS)}")
    generator = type(
        "JobDefinitionSchema",
        (_JobDefinitionSchema,),
        {"schema_dialect": DRAFTS[draft], "docs": service_docs()},
    )
    definitions = "$defs" if draft == "2020-12" else "definitions"
    schema = StartDashboardSnapshotJobRequest.model_json_schema(
        ref_template=f"#/{definitions}/{{model}}", schema_generator=generator
    )
    schema["properties"][FAN_OUT_KEY] = FAN_OUT_SCHEMA
    return {(definitions if key == "$defs" else key): value for key, value in schema.items()}


# `x-qslint`, qslint's own key: a template expanded to one job per row (see qslint.fanout).
FAN_OUT_SCHEMA: dict[str, Any] = {
    "description": "qslint's fan-out: this definition is a template filled once per row, "
    "each ${column} in a string value taking the row's value. qslint check, plan, apply and "
    "render expand it; `qslint render` prints the requests it stands for.",
    "type": "object",
    "properties": {
        FOR_EACH: {
            "description": "The rows: a CSV file with a header row, or a YAML or JSON list of "
            "mappings, beside this file; or the list of mappings itself.",
            "oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": {"type": ["string", "number", "boolean"]},
                    },
                },
            ],
        },
        ROW_NAME: {
            "description": "The column that names each row in findings (never one that fills "
            "a sensitive value); rows are numbered otherwise.",
            "type": "string",
            "minLength": 1,
        },
    },
    "required": [FOR_EACH],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class ShapeDocs:
    """The plain-text documentation of one structure and of each of its members."""

    shape: str
    members: Mapping[str, str]


class _JobDefinitionSchema(GenerateJsonSchema):
    """pydantic's generator, told what qslint's models mean (see the module docstring)."""

    docs: ClassVar[Mapping[str, ShapeDocs]] = {}  # by model name

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        generated = super().generate(schema, mode)
        generated.pop("title", None)  # the request model's class name
        return {"$schema": self.schema_dialect, "title": TITLE, **generated}

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        # `X | None = None` in a model means "may be left out"; an explicit null is refused.
        return self.generate_inner(schema["schema"])

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        default = super().get_default_value(schema)
        return NoDefault if default is None else default

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # a field's title would only repeat its name ("Filegroups")

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model: type[BaseModel] = schema["cls"]
        docs = self.docs.get(model.__name__)
        if docs and docs.shape:
            json_schema["description"] = docs.shape
        properties = json_schema.get("properties", {})
        for name, field in model.model_fields.items():
            member = {**properties[name]}
            member.pop("sensitive", None)
            for limit in _rule_limits(field):
                _apply_rule_limit(member, limit, where=f"{model.__name__}.{name}")
            if docs and docs.members.get(name):
                member["description"] = docs.members[name]
            properties[name] = self._ref_with_siblings(member)
        return json_schema

    def _ref_with_siblings(self, member: JsonSchemaValue) -> JsonSchemaValue:
        # Before 2019-09 a validator ignores every keyword beside "$ref", descriptions too.
        if "$ref" not in member or len(member) == 1 or self.schema_dialect == DRAFTS["2020-12"]:
            return member
        ref = member.pop("$ref")
        return {"allOf": [{"$ref": ref}], **member}


def _rule_limits(field: FieldInfo) -> Iterator[RuleLimit]:
    """The RuleLimit metadata of a field's own value (not of its list items)."""
    pending: list[Any] = [field.annotation, *field.metadata]
    while pending:
        item = pending.pop()
        if isinstance(item, RuleLimit):
            yield item
        elif get_origin(item) in (Annotated, Union, types.UnionType):
            pending.extend(get_args(item))


def _apply_rule_limit(member: JsonSchemaValue, limit: RuleLimit, *, where: str) -> None:
    if member.get("type") != "array":
        raise TypeError(f"RuleLimit on {where}, which is not a list in the JSON Schema")
    if limit.min is not None:
        member.setdefault("minItems", limit.min)
    if limit.max is not None:
        member.setdefault("maxItems", limit.max)


@functools.cache
def service_docs() -> dict[str, ShapeDocs]:
    """Each request model's documentation by its name, found by walking the service model
    alongside."""
    service = botocore.session.get_session().get_service_model(SERVICE)
    request = service.operation_model(OPERATION).input_shape
    docs: dict[str, ShapeDocs] = {}
    pending: list[tuple[JsonPath, Shape]] = [((), request)]
    while pending:
        path, shape = pending.pop()
        model = model_at(path)
        if model is None or model.__name__ in docs:
            continue
        docs[model.__name__] = ShapeDocs(
            shape=_description(service.shape_for(shape.name).documentation),
            members={name: _description(m.documentation) for name, m in shape.members.items()},
        )
        for name, member in shape.members.items():
            item = member
            while item.type_name == "list":
                item = item.member
            if item.type_name == "structure":
                pending.append(((*path, name), item))
    return docs


NULL_NOTE = "In a definition file, leave the field out instead: boto3 refuses an explicit null."


def _description(documentation: str) -> str:
    text = plain_text(documentation)
    # The API documentation speaks of null where a file must leave a field out; so says the
    # schema, which refuses null, and the editor must not contradict it.
    return f"{text}\n\n{NULL_NOTE}" if re.search(r"\bnull\b", text) else text


class _PlainText(HTMLParser):
    """The text of the service model's documentation HTML: paragraphs, bullets and links."""

    BLOCKS: ClassVar[set[str]] = {"p", "ul", "ol", "li", "div", "br", "note", "important"}
    PREFIXES: ClassVar[dict[str, str]] = {"li": "- ", "note": "Note: ", "important": "Important: "}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.link: str | None = None

    def _break(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        text = re.sub(r" ([.,;:)])", r"\1", text)
        if text:
            self.blocks.append(self.prefix + text)
            self.prefix = ""
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._break()
            self.prefix = self.PREFIXES.get(tag, self.prefix)
        elif tag == "a":
            self.link = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._break()
        elif tag == "a" and self.link:
            self.current.append(f" ({self.link}) ")
            self.link = None

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def text(self) -> str:
        self._break()
        text = ""
        for previous, block in zip(["", *self.blocks], self.blocks, strict=False):
            bullets = previous.startswith("- ") and block.startswith("- ")
            text += ("\n" if bullets else "\n\n") + block if text else block
        return text


def plain_text(documentation: str) -> str:
    """The service model's HTML documentation as plain text; paragraphs apart, bullets as -."""
    parser = _PlainText()
    parser.feed(documentation)
    parser.close()
    return parser.text()
