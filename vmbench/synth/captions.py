"""Referring expressions built from instance attributes, kept only when unambiguous in the clip.

Each template names a set of attributes (colour, shape, size, motion, start position, hairy,
translucent). A phrasing is kept for an instance only if no *other* instance of the clip has the
same values for all the attributes it names, so every kept expression refers to one instance.
"""

from __future__ import annotations

__all__ = ["TEMPLATES", "phrase", "captions_for_clip"]

_MOTION = {"left": "moving left", "right": "moving right", "up": "moving up", "down": "moving down",
           "still": "staying still"}

# (attributes used, template); "{motion}" expands via _MOTION
TEMPLATES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("colour", "shape"), "the {colour} {shape}"),
    (("shape",), "the {shape}"),
    (("size", "colour", "shape"), "the {size} {colour} {shape}"),
    (("colour", "shape", "motion"), "the {colour} {shape} {motion}"),
    (("size", "colour", "shape", "motion"), "the {size} {colour} {shape} {motion}"),
    (("shape", "motion"), "the {shape} {motion}"),
    (("colour", "motion"), "the {colour} object {motion}"),
    (("size", "shape"), "the {size} {shape}"),
    (("colour", "shape", "start"), "the {colour} {shape} that starts on the {start}"),
    (("hairy", "colour", "shape"), "the hairy {colour} {shape}"),
    (("translucent", "colour", "shape"), "the see-through {colour} {shape}"),
)


def phrase(template: str, attrs: dict) -> str:
    """Fill a template from an attribute dict."""
    return template.format(colour=attrs["colour"], shape=attrs["shape"], size=attrs["size"],
                           motion=_MOTION[attrs["motion"]], start=attrs["start"])


def _applies(keys: tuple[str, ...], attrs: dict) -> bool:
    if "hairy" in keys and not attrs["hairy"]:
        return False
    if "translucent" in keys and not attrs["translucent"]:
        return False
    if "start" in keys and attrs["start"] == "centre":
        return False
    return True


def _fits(keys: tuple[str, ...], a: dict, b: dict) -> bool:
    """Would a phrasing built from `a` with these keys also describe `b`?"""
    return all(a[k] == b[k] for k in keys)


def captions_for_clip(attributes: list[dict]) -> list[list[str]]:
    """For each instance (attribute dicts of one clip), its unambiguous phrasings, in template order."""
    out: list[list[str]] = []
    for i, a in enumerate(attributes):
        kept = []
        for keys, template in TEMPLATES:
            if not _applies(keys, a):
                continue
            if any(_fits(keys, a, b) for j, b in enumerate(attributes) if j != i):
                continue
            text = phrase(template, a)
            if text not in kept:
                kept.append(text)
        out.append(kept)
    return out
