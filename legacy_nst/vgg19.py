"""VGG-19's shape, stated once: its blocks, layers and channels (pure Python, no TensorFlow).

Every other module that needs the network's structure (the .mat loader, the
graph and Keras builders, the memory model, the layer options) reads it here.
"""
MIN_SIZE = 16  # the smallest side the network takes: four 2x2 poolings leave at least one position

# (block, convolutions in the block, input channels, output channels)
BLOCKS = ((1, 2, 3, 64), (2, 2, 64, 128), (3, 4, 128, 256), (4, 4, 256, 512), (5, 4, 512, 512))


def _conv_shapes():
    shapes = {}
    for block, count, in_channels, out_channels in BLOCKS:
        for index in range(1, count + 1):
            shapes[f"conv{block}_{index}"] = (3, 3, in_channels if index == 1 else out_channels, out_channels)
    return shapes


CONV_SHAPES = _conv_shapes()  # name -> kernel shape (3, 3, in, out), in network order
CONV_LAYERS = tuple(CONV_SHAPES)


def layer_sequence(pooling="avg"):
    """All graph entries in network order: conv1_1, conv1_2, avgpool1, ..., avgpool5."""
    names = []
    for block, count, _, _ in BLOCKS:
        names += [f"conv{block}_{index}" for index in range(1, count + 1)]
        names.append(f"{pooling}pool{block}")
    return tuple(names)


def channels(name):
    """Output channels of a conv layer or of the pooling after a block ('avgpool3' -> 256)."""
    if name in CONV_SHAPES:
        return CONV_SHAPES[name][3]
    return BLOCKS[int(name[-1]) - 1][3]


def deepest_layer(layer_names, pooling="avg"):
    """The layer, among `layer_names`, that comes last in the network."""
    sequence = layer_sequence(pooling)
    return max(layer_names, key=sequence.index)


def stride_of(layer):
    """Pixels per position of conv layer `layer`: 1 in block 1, 2 in block 2, ... 16 in block 5."""
    return 2 ** (int(layer[4]) - 1)


def positions(size_hw, layer):
    """M, the positions of conv layer `layer` for an image of `size_hw` (SAME pooling rounds up)."""
    stride = stride_of(layer)
    return -(-size_hw[0] // stride) * -(-size_hw[1] // stride)
