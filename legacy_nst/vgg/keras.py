"""A Keras functional VGG-19 from the same .mat weights, for the eager engines."""
import tensorflow as tf

from .graph import kernel_for
from ..vgg19 import deepest_layer, layer_sequence


def vgg19_model(vgg, layers, pooling="avg", kernel_layout="tf"):
    """A Keras functional VGG-19 up to the deepest of `layers`, mapping an image to {layer: features}.

    Built as the tutorials build theirs from tf.keras.applications.VGG19
    (Conv2D 3x3 'same' + ReLU, 2x2 pooling, a Model with the chosen layers as
    outputs), with the .mat file's weights set into it.
    """
    keras = tf.keras
    wanted = tuple(dict.fromkeys(layers))
    deepest = deepest_layer(wanted, pooling)
    pool = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
    inputs = keras.Input(shape=(None, None, 3), batch_size=1, name="image")
    current, outputs, convolutions = inputs, {}, []
    for name in layer_sequence(pooling):
        if name.startswith("conv"):
            layer = keras.layers.Conv2D(vgg.kernels[name].shape[3], 3, padding="same", activation="relu", name=name)
            convolutions.append(layer)
        else:
            layer = pool(pool_size=2, strides=2, padding="same", name=name)
        current = outputs[name] = layer(current)
        if name == deepest:
            break
    model = keras.Model(inputs, {name: outputs[name] for name in wanted}, name="vgg19")
    for layer in convolutions:
        layer.set_weights([kernel_for(vgg.kernels[layer.name], kernel_layout), vgg.biases[layer.name].reshape(-1)])
    return model
