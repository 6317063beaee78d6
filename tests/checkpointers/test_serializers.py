"""JsonSerializer and PickleSerializer: what they store, refuse, and bring back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from hypergraph.checkpointers import JsonSerializer, PickleSerializer


@dataclass
class Point:
    x: int
    y: int


@dataclass
class Draft:
    title: str
    points: list[Point]
    tags: tuple[str, ...]


def test_json_round_trips_plain_values() -> None:
    values = {"n": 1, "f": 1.5, "s": "é", "b": True, "none": None, "l": [1, {"a": 2}]}
    ser = JsonSerializer()
    assert ser.loads(ser.dumps(values)) == values


def test_json_keeps_a_string_with_a_lone_surrogate() -> None:
    serializer = JsonSerializer()
    values = {"text": "half a pair \ud800", "other": "caf\u00e9"}
    assert serializer.loads(serializer.dumps(values)) == values


def test_json_refuses_what_it_cannot_hold_naming_the_value() -> None:
    with pytest.raises(TypeError, match="'when' \\(datetime\\) cannot be stored"):
        JsonSerializer().dumps({"ok": 1, "when": datetime.datetime(2024, 1, 1)})


def test_lossy_json_stores_the_text_instead() -> None:
    when = datetime.datetime(2024, 1, 1)
    ser = JsonSerializer(lossy=True)
    assert ser.loads(ser.dumps({"when": when})) == {"when": str(when)}


def test_json_restores_dataclasses_and_tuples_from_annotations() -> None:
    draft = Draft("hello", [Point(1, 2)], ("a", "b"))
    ser = JsonSerializer()
    data = ser.dumps({"draft": draft, "pair": (1, 2), "ids": {3, 1}, "by_id": {1: "a"}})
    back = ser.loads(
        data,
        {"draft": Draft, "pair": tuple[int, int], "ids": set[int], "by_id": dict[int, str]},
    )
    assert back == {"draft": draft, "pair": (1, 2), "ids": {1, 3}, "by_id": {1: "a"}}
    assert ser.loads(data)["pair"] == [1, 2]  # without an annotation: the JSON value


def test_json_restores_optional_annotations() -> None:
    ser = JsonSerializer()
    data = ser.dumps({"p": Point(1, 2), "q": None})
    assert ser.loads(data, {"p": Point | None, "q": Point | None}) == {"p": Point(1, 2), "q": None}


def test_json_restores_pydantic_models() -> None:
    import pydantic

    class User(pydantic.BaseModel):
        name: str
        age: int

    ser = JsonSerializer()
    assert ser.loads(ser.dumps({"u": User(name="a", age=3)}), {"u": User}) == {
        "u": User(name="a", age=3)
    }


def test_pickle_refuses_to_work_until_allowed() -> None:
    with pytest.raises(ValueError, match="can run arbitrary code"):
        PickleSerializer()


def test_pickle_round_trips_any_picklable_value() -> None:
    ser = PickleSerializer(allow_pickle=True)
    values = {"when": datetime.datetime(2024, 1, 1), "pair": (1, 2), "p": Point(1, 2)}
    assert ser.loads(ser.dumps(values)) == values


def test_pickle_names_an_unpicklable_value() -> None:
    with pytest.raises(TypeError, match="'fn' \\(function\\) cannot be stored"):
        PickleSerializer(allow_pickle=True).dumps({"ok": 1, "fn": lambda: 1})


class _Planted:
    """What an attacker with write access would store: unpickling it runs code."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("planted code ran",))


def test_pickle_refuses_a_planted_unsigned_payload_before_unpickling(capsys) -> None:
    import pickle

    ser = PickleSerializer(allow_pickle=True)
    planted = pickle.dumps({"x": _Planted()})
    with pytest.raises(ValueError, match="failed its signature check") as caught:
        ser.loads(planted)
    assert "planted code ran" not in capsys.readouterr().out
    assert "secret=" in str(caught.value)


def test_pickle_payload_signed_with_another_secret_is_refused() -> None:
    writer = PickleSerializer(allow_pickle=True, secret="a" * 32)
    reader = PickleSerializer(allow_pickle=True, secret="b" * 32)
    data = writer.dumps({"x": 1})
    assert PickleSerializer(allow_pickle=True, secret="a" * 32).loads(data) == {"x": 1}
    with pytest.raises(ValueError, match="failed its signature check"):
        reader.loads(data)
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(ValueError, match="failed its signature check"):
        writer.loads(tampered)


def test_pickle_serializer_sent_to_another_process_keeps_its_explicit_secret() -> None:
    import pickle

    ser = PickleSerializer(allow_pickle=True, secret="s" * 32)
    clone = pickle.loads(pickle.dumps(ser))
    assert clone.loads(ser.dumps({"y": [1, 2]})) == {"y": [1, 2]}
