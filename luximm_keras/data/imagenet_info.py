"""ImageNet-1k class names: WordNet synsets, lemmas and definitions, read from files shipped in `_info/`.

The files are timm's (`timm/data/_info`, Apache-2.0): its synset list as is, and the rows of its
lemma and definition tables for the 1000 classes (see `_info/README.txt`).

Reference: timm/data/imagenet_info.py (`ImageNetInfo`), timm/data/dataset_info.py (`DatasetInfo`)
"""

from __future__ import annotations

import csv
import functools
import pkgutil
import re

__all__ = ["ImageNetInfo", "imagenet_class_names"]

_SUBSETS = {"imagenet1k": "imagenet_synsets.txt"}
_LEMMA_FILE = "imagenet_synset_to_lemma.txt"
_DEFINITION_FILE = "imagenet_synset_to_definition.txt"


def _read(filename: str) -> str:
    return pkgutil.get_data(__package__, f"_info/{filename}").decode("utf-8")


@functools.cache
def _load(synset_file: str) -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
    synsets = tuple(_read(synset_file).splitlines())
    lemmas = dict(csv.reader(_read(_LEMMA_FILE).splitlines(), delimiter="\t"))
    definitions = dict(csv.reader(_read(_DEFINITION_FILE).splitlines(), delimiter="\t"))
    return synsets, lemmas, definitions


class ImageNetInfo:
    """The classes of an ImageNet classifier head: index -> WordNet synset (the label name, e.g.
    `"n01440764"`) -> description (its lemmas, `"tench, Tinca tinca"`, or with `detailed=True` also its
    definition).

    Args:
        subset: `"imagenet-1k"` (also spelled `"imagenet1k"`, `"imagenet_1k"`); timm's larger subsets
            (12k, 21k, 22k) are not shipped.

    Example:
        >>> info = ImageNetInfo()
        >>> info.index_to_description(0)
        'tench, Tinca tinca'
        >>> info.index_to_label_name(0)
        'n01440764'

    Reference: timm/data/imagenet_info.py `ImageNetInfo`.
    """

    def __init__(self, subset: str = "imagenet-1k"):
        key = re.sub(r"[-_\s]", "", subset.lower())
        if key not in _SUBSETS:
            raise ValueError(f"Unknown or unshipped ImageNet subset {subset!r}; available: imagenet-1k.")
        self.subset = subset
        self._synsets, self._lemmas, self._definitions = _load(_SUBSETS[key])

    def num_classes(self) -> int:
        return len(self._synsets)

    def label_names(self) -> list[str]:
        """The synsets, in class-index order."""
        return list(self._synsets)

    def label_indices(self) -> tuple[int, ...]:
        return tuple(range(self.num_classes()))

    def has_label(self, index) -> bool:
        return 0 <= int(index) < self.num_classes()

    def label_descriptions(self, detailed: bool = False, as_dict: bool = False) -> list[str] | dict[str, str]:
        """Every class's description, in index order (or `{synset: description}` with `as_dict`)."""
        if as_dict:
            return {label: self.label_name_to_description(label, detailed=detailed) for label in self._synsets}
        return [self.label_name_to_description(label, detailed=detailed) for label in self._synsets]

    def index_to_label_name(self, index) -> str:
        index = int(index)
        if not 0 <= index < len(self._synsets):
            raise IndexError(f"Index ({index}) out of range for dataset with {len(self._synsets)} classes.")
        return self._synsets[index]

    def index_to_description(self, index, detailed: bool = False) -> str:
        return self.label_name_to_description(self.index_to_label_name(index), detailed=detailed)

    def label_name_to_description(self, label: str, detailed: bool = False) -> str:
        if label not in self._lemmas:
            raise KeyError(f"Unknown label name {label!r} (an ImageNet-1k WordNet synset such as 'n01440764').")
        if detailed:
            return f"{self._lemmas[label]}: {self._definitions[label]}"
        return self._lemmas[label]


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class descriptions in index order (`"tench, Tinca tinca"`, ...), as
    timm's `ImageNetInfo().index_to_description(i)`: read a classifier's argmax with them."""
    return ImageNetInfo().label_descriptions()
