"""IdentityCache: a value is found again only for the very objects it was made from."""

from webapp.engine.identity import IdentityCache


def test_the_same_objects_find_their_value_and_an_equal_copy_does_not():
    cache = IdentityCache(4)
    schema, ui = {"type": "object"}, None
    cache.put((schema, ui), "made")
    assert cache.get((schema, ui)) == "made"
    assert cache.get(({"type": "object"}, ui)) is None


def test_when_full_the_oldest_entry_goes():
    cache = IdentityCache(2)
    first, second, third = {"n": 1}, {"n": 2}, {"n": 3}
    for number, schema in enumerate((first, second, third)):
        cache.put((schema,), number)
    assert cache.get((first,)) is None
    assert (cache.get((second,)), cache.get((third,))) == (1, 2)
