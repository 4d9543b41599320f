"""The baseline: a straightforward art.py-style graph and loop, for the bench's ratios.

art.py's shape: the one tf.Variable feeds conv1_1 directly, the whole VGG-19 is
built (to avgpool5), targets are materialised with session runs, Adam(2.0)
minimises beta*content + alpha*style, and each iteration is one
`sess.run(train_step)`. art.py fetched the loss with a second session run only
every 100 steps, for its prints: `loss_every=100` is art.py's own loop (the
baseline of every ratio); `loss_every=1` is the every-step-loss loop a loss log
needs (a second, labelled row). Session and thread settings are TensorFlow's
defaults, as in art.py. Kernels are oriented as legacy_nst's default (tf
layout) unless kernel_layout="artpy" (art.py's untransposed kernels), so its
losses equal the graph backend's and the loss trajectories compare one to one.
"""
import time

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1

ALPHA, BETA, LEARNING_RATE = 100.0, 5.0, 2.0
CONTENT_LAYER = "conv4_2"
STYLE_LAYERS = [("conv1_1", 0.5), ("conv2_1", 1.0), ("conv3_1", 1.5), ("conv4_1", 3.0), ("conv5_1", 4.0)]
BLOCKS = ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4))


def build_model(vgg, height, width, kernel_layout="tf"):
    graph = {"input": tf1.Variable(np.zeros((1, height, width, 3)), dtype="float32")}
    previous = graph["input"]
    for block, convs in BLOCKS:
        for index in range(1, convs + 1):
            name = f"conv{block}_{index}"
            stored = vgg.kernels[name]
            kernel = tf.constant(stored if kernel_layout == "artpy" else np.transpose(stored, (1, 0, 2, 3)))
            bias = tf.constant(vgg.biases[name].reshape(-1))
            previous = graph[name] = tf.nn.relu(tf.nn.conv2d(previous, kernel, strides=[1, 1, 1, 1],
                                                             padding="SAME") + bias)
        previous = graph[f"avgpool{block}"] = tf.nn.avg_pool2d(previous, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1],
                                                               padding="SAME")
    return graph


def _gram(features, n, m):
    flat = tf.reshape(features, (m, n))
    return tf.matmul(tf.transpose(flat), flat)


def run(vgg, content, style, start, iterations, observe, loss_every=1, kernel_layout="tf", on_step=None):
    """Adam steps as art.py; observe(iteration, total, elapsed) after each loss fetch (entry 0: the start).

    The loss is fetched (a second session run) after every `loss_every`-th step and after the last.
    on_step(iteration, elapsed) right after each train run, before any loss fetch (for step times).
    """
    _, height, width, _ = content.shape
    with tf.Graph().as_default(), tf1.Session() as sess:
        model = build_model(vgg, height, width, kernel_layout)
        sess.run(tf1.global_variables_initializer())
        sess.run(model["input"].assign(content))
        p = sess.run(model[CONTENT_LAYER])
        n, m = p.shape[3], p.shape[1] * p.shape[2]
        content_loss = (1 / (4 * n * m)) * tf.reduce_sum(tf.pow(model[CONTENT_LAYER] - p, 2))
        sess.run(model["input"].assign(style))
        style_loss = 0
        for name, weight in STYLE_LAYERS:
            a = sess.run(model[name])
            n, m = a.shape[3], a.shape[1] * a.shape[2]
            style_loss += weight * (1 / (4 * n**2 * m**2)) * tf.reduce_sum(
                tf.pow(_gram(model[name], n, m) - _gram(tf.constant(a), n, m), 2))
        total_loss = BETA * content_loss + ALPHA * style_loss
        train_step = tf1.train.AdamOptimizer(LEARNING_RATE).minimize(total_loss)
        sess.run(tf1.global_variables_initializer())
        sess.run(model["input"].assign(start))
        started = time.perf_counter()
        observe(0, float(sess.run(total_loss)), time.perf_counter() - started)
        for iteration in range(1, iterations + 1):
            sess.run(train_step)
            if on_step is not None:
                on_step(iteration, time.perf_counter() - started)
            if iteration % loss_every == 0 or iteration == iterations:
                observe(iteration, float(sess.run(total_loss)), time.perf_counter() - started)
        return sess.run(model["input"])
