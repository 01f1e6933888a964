"""`ImageNetInfo` and `imagenet_class_names` against timm's `ImageNetInfo`, for all 1000 classes, from
the files shipped in the package."""

from __future__ import annotations

import importlib.resources

import pytest
import timm.data

from luximm_keras.data import ImageNetInfo, imagenet_class_names


@pytest.fixture(scope="module")
def timm_info():
    return timm.data.ImageNetInfo("imagenet-1k")


def test_every_class_name_and_description_is_timms(timm_info):
    info = ImageNetInfo()
    assert info.num_classes() == timm_info.num_classes() == 1000
    assert info.label_names() == list(timm_info.label_names())
    for index in range(1000):
        label = timm_info.index_to_label_name(index)
        assert info.index_to_label_name(index) == label
        for detailed in (False, True):
            expected = timm_info.index_to_description(index, detailed=detailed)
            assert info.index_to_description(index, detailed=detailed) == expected
            assert info.label_name_to_description(label, detailed=detailed) == expected
    for detailed in (False, True):
        for as_dict in (False, True):
            assert info.label_descriptions(detailed, as_dict) == timm_info.label_descriptions(detailed, as_dict)
    assert info.label_indices() == timm_info.label_indices()
    assert info.has_label(999) and not info.has_label(1000) and not info.has_label(-1)


def test_imagenet_class_names_are_timms_short_descriptions(timm_info):
    names = imagenet_class_names()
    assert names == [timm_info.index_to_description(i) for i in range(1000)]
    assert names[0] == timm_info.index_to_description(0)  # "tench, Tinca tinca"
    assert len(set(names)) > 990  # "crane" names two classes (the bird and the machine)


def test_the_class_files_are_package_data():
    folder = importlib.resources.files("luximm_keras.data") / "_info"
    for name in ("imagenet_synsets.txt", "imagenet_synset_to_lemma.txt", "imagenet_synset_to_definition.txt"):
        assert (folder / name).is_file(), name


@pytest.mark.parametrize("subset", ["imagenet-1k", "imagenet1k", "ImageNet_1k", "imagenet 1k"])
def test_timms_spellings_of_the_1k_subset_are_accepted(subset):
    assert ImageNetInfo(subset).num_classes() == 1000


def test_bad_input_is_refused():
    info = ImageNetInfo()
    with pytest.raises(ValueError, match="imagenet-22k"):
        ImageNetInfo("imagenet-22k")
    with pytest.raises(IndexError):
        info.index_to_label_name(1000)
    with pytest.raises(IndexError):
        info.index_to_description(-1)
    with pytest.raises(KeyError):
        info.label_name_to_description("n99999999")
