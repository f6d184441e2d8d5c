#!/usr/bin/python3
"""Writes the fixtures of the legacy torch.save format (PyTorch before 1.6; committed, all small) to Fixtures/legacy/.

Run from the repository root with Debian's PyTorch (python3-torch 1.13):

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_legacy_fixtures.py

The legacy format (torch/serialization.py `_legacy_save`) is a sequence of protocol-2 pickles: the magic number, the
protocol version 1001, a sys_info dict, the object (storages as persistent ids), the sorted list of storage keys; then
for each key an 8-byte little-endian element count and the raw storage. torchvision's vgg16-397923af.pth and
googlenet-1378be20.pth are such files.

Valid files, written by torch.save(..., _use_new_zipfile_serialization=False) and checked by torch.load:
  lenet5.pt                 LeNet-5's state_dict from lenet5.safetensors (the reference the tests compare with)
  lenet5-views.pt           the same weights as views into one storage: offsets, gaps, channels-last 4-D weights,
                            transposed 2-D weights
  dtypes.pt                 every storage type, an int64 buffer (0-d and 1-d), float64; dtypes.expected.safetensors
Files written by hand (the same layout, with what PyTorch 1.13 no longer writes or what must be refused):
  storage-view.pt           a pre-1.0 storage view (view_metadata): tensors at offsets into a slice of a storage
  hostile-globals.pt        the object pickle names os.system
  huge-count.pt             a storage whose data claims 2**62 elements
  huge-numel.pt             a persistent id declaring 2**62 elements
  count-mismatch.pt         the data's element count differs from the persistent id's
  beyond-storage.pt         a tensor of 10 elements in a storage of 4
  big-endian.pt, wrong-magic.pt, wrong-protocol.pt, unlisted-key.pt, unknown-key.pt, dtype-conflict.pt,
  keys-not-a-list.pt, keys-not-strings.pt, not-a-dict.pt, not-a-tensor.pt, five-arguments.pt, v1-with-v2-arguments.pt,
  named-twice.pt
"""
import collections
import io
import json
import os
import pickle
import struct

import torch

from generate_fixtures import write_safetensors  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "legacy")
MAGIC, VERSION = 0x1950a86a20f9469cfc6c, 1001
SYS_INFO = {"protocol_version": VERSION, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}
DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
          "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}


def read_safetensors(path):
    """A minimal safetensors reader: the tensors in the header's order."""
    with open(path, "rb") as f:
        length, = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    result = collections.OrderedDict()
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        result[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return result


def save_legacy(state, name):
    path = os.path.join(OUT, name)
    torch.save(state, path, _use_new_zipfile_serialization=False)
    loaded = torch.load(path)
    assert list(loaded) == list(state) and all(torch.equal(loaded[k], v) for k, v in state.items()), name
    with open(path, "rb") as f:
        assert f.read(2) == b"\x80\x02", name
    return path


def views(lenet):
    """Every tensor a view into one float32 storage at an offset with gaps; 4-D weights channels-last, 2-D transposed."""
    flat = torch.zeros(sum(t.numel() for t in lenet.values()) + 5 * len(lenet) + 3)
    state, offset = collections.OrderedDict(), 3
    for key, value in lenet.items():
        n, chunk = value.numel(), flat[offset:offset + value.numel()]
        if value.dim() == 4:
            o, i, h, w = value.shape
            view = chunk.view(o, h, w, i).permute(0, 3, 1, 2)
            assert view.is_contiguous(memory_format=torch.channels_last) and not view.is_contiguous()
        elif value.dim() == 2:
            view = chunk.view(value.shape[1], value.shape[0]).t()
        else:
            view = chunk.view(value.shape)
        view.copy_(value)
        state[key] = view
        offset += n + 5
    return state


def dtypes():
    """Every storage type; an int64 buffer as BatchNorm has (0-d) and an int64 vector; float64 with inexact values."""
    state = collections.OrderedDict()
    state["bn.num_batches_tracked"] = torch.tensor(1234567890123, dtype=torch.int64)
    state["counts"] = torch.tensor([-(2 ** 62), -1, 0, 1, 2 ** 62 + 7], dtype=torch.int64)
    state["float64"] = (torch.arange(12, dtype=torch.float64).reshape(3, 4) / 7 - 0.5).t()  # transposed: strided
    state["float64_tail"] = state["float64"].t()[1:]  # shares the storage, at offset 4
    state["float16"] = torch.tensor([0.1, -2.5, 65504.0], dtype=torch.float16)
    state["bfloat16"] = torch.tensor([0.1, -2.5, 3.0e38], dtype=torch.bfloat16)
    state["int32"] = torch.tensor([-2 ** 31, 7, 2 ** 31 - 1], dtype=torch.int32)
    state["int16"] = torch.tensor([-2 ** 15, 7, 2 ** 15 - 1], dtype=torch.int16)
    state["int8"] = torch.tensor([-128, 7, 127], dtype=torch.int8)
    state["uint8"] = torch.tensor([0, 7, 255], dtype=torch.uint8)
    state["bool"] = torch.tensor([True, False, True])
    state["empty"] = torch.zeros(0, 3)
    return state


# ---------------------------------------------------------------------------------------- files written by hand
class Storage:
    """A storage of a hand-written file: its persistent id is ('storage', type, key, 'cpu', numel, view_metadata)."""

    def __init__(self, key, numel, kind=torch.FloatStorage, view=None):
        self.key, self.numel, self.kind, self.view = key, numel, kind, view


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class Call:
    """Any call of a global the reader accepts, with any arguments (to write malformed tensors and state_dicts)."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


class Hostile:
    """Unpickling this with Python's pickle would run a shell command; a safe reader must refuse it."""

    def __reduce__(self):
        return os.system, ("echo pwned > /tmp/modelgallery-hostile-pickle-ran",)


def by_hand(name, state, keys, data, magic=MAGIC, version=VERSION, sys_info=None):
    """A legacy file: header pickles, the object, the keys, then (count, bytes) for each storage."""
    f = io.BytesIO()
    for header in (magic, version, sys_info or SYS_INFO):
        pickle.dump(header, f, protocol=2)
    pickler = pickle.Pickler(f, protocol=2)
    pickler.persistent_id = lambda o: ("storage", o.kind, o.key, "cpu", o.numel, o.view) if isinstance(o, Storage) else None
    pickler.dump(state)
    pickle.dump(keys, f, protocol=2)
    for count, raw in data:
        f.write(struct.pack("<q", count) + raw)
    with open(os.path.join(OUT, name), "wb") as out:
        out.write(f.getvalue())
    return f.getvalue()


def floats(*values):
    return struct.pack(f"<{len(values)}f", *values)


def hand_written():
    four = Storage("1", 4)
    one = collections.OrderedDict(w=Tensor(four, 0, [2, 2], [2, 1]))
    four_floats = [(4, floats(1, 2, 3, 4))]
    # A pre-1.0 storage view: root '7' of 8 floats, view '9' = elements 2..7 of it; tensors at offsets into the view.
    root, view = Storage("7", 8), Storage("7", 8, view=("9", 2, 6))
    written = by_hand("storage-view.pt", collections.OrderedDict(
        [("root", Tensor(root, 1, [3], [1])), ("view", Tensor(view, 1, [2, 2], [1, 2])), ("tail", Tensor(view, 5, [1], [1]))]),
        ["7"], [(8, floats(*range(10, 18)))])
    loaded = torch.load(io.BytesIO(written))
    assert loaded["root"].tolist() == [11, 12, 13] and loaded["view"].tolist() == [[13, 15], [14, 16]] and loaded["tail"].tolist() == [17]

    by_hand("hostile-globals.pt", {"conv1.weight": Hostile()}, [], [])
    by_hand("huge-numel.pt", collections.OrderedDict(w=Tensor(Storage("1", 2 ** 62), 0, [2], [1])), ["1"], [(2 ** 62, b"")])
    by_hand("count-mismatch.pt", one, ["1"], [(3, floats(1, 2, 3))])
    by_hand("beyond-storage.pt", collections.OrderedDict(w=Tensor(four, 0, [10], [1])), ["1"], four_floats)
    by_hand("big-endian.pt", one, ["1"], four_floats, sys_info=dict(SYS_INFO, little_endian=False))
    by_hand("wrong-magic.pt", one, ["1"], four_floats, magic=MAGIC + 1)
    by_hand("wrong-protocol.pt", one, ["1"], four_floats, version=1000)
    by_hand("unlisted-key.pt", one, [], [])
    by_hand("unknown-key.pt", one, ["1", "2"], four_floats + four_floats)
    by_hand("dtype-conflict.pt", collections.OrderedDict(
        [("a", Tensor(four, 0, [4], [1])), ("b", Tensor(Storage("1", 4, torch.DoubleStorage), 0, [4], [1]))]), ["1"], four_floats)
    by_hand("huge-count.pt", one, ["1"], [(2 ** 62, b"")])  # declares 4 elements, its data claims 2**62
    by_hand("keys-not-a-list.pt", one, ("1",), four_floats)
    by_hand("keys-not-strings.pt", one, ["1", 2], four_floats)
    by_hand("not-a-dict.pt", [Tensor(four, 0, [4], [1])], ["1"], four_floats)
    by_hand("not-a-tensor.pt", collections.OrderedDict(w=5), [], [])
    # _rebuild_tensor_v2 without its requires_grad flag; _rebuild_tensor (PyTorch < 0.4) with the v2 arguments.
    by_hand("five-arguments.pt", collections.OrderedDict(w=Call(torch._utils._rebuild_tensor_v2, four, 0, (4,), (1,), collections.OrderedDict())), ["1"], four_floats)
    by_hand("v1-with-v2-arguments.pt", collections.OrderedDict(w=Call(torch._utils._rebuild_tensor, four, 0, (4,), (1,), False, collections.OrderedDict())), ["1"], four_floats)
    # OrderedDict([[key, value], ...]) as Python 2 pickles it, naming 'w' twice (a Python dict cannot hold that).
    by_hand("named-twice.pt", Call(collections.OrderedDict, [["w", Tensor(four, 0, [4], [1])], ["w", Tensor(four, 0, [2], [1])]]), ["1"], four_floats)


def main():
    os.makedirs(OUT, exist_ok=True)
    lenet = read_safetensors(os.path.join(HERE, "lenet5.safetensors"))
    zip_saved = torch.load(os.path.join(HERE, "lenet5.pt"))
    assert list(zip_saved) == list(lenet) and all(torch.equal(zip_saved[k], v) for k, v in lenet.items())
    save_legacy(lenet, "lenet5.pt")
    save_legacy(views(lenet), "lenet5-views.pt")
    state = dtypes()
    save_legacy(state, "dtypes.pt")
    write_safetensors(os.path.join(OUT, "dtypes.expected.safetensors"), state)
    hand_written()
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name)):,} bytes")


if __name__ == "__main__":
    main()
