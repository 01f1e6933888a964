# A package, so that tests/data/test_transforms.py and tests/interop/test_transforms.py can share a basename.
