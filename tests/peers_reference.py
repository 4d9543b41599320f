"""numpy transcriptions of the two peers' loss terms, independent of TensorFlow and of legacy_nst.

Each function re-states one piece of the peer's source in float64 numpy, in the
peer's own layout, so the tests can compare legacy_nst's terms with it:

- jcjohnson/neural-style, neural_style.lua (Torch, feature maps C x H x W):
  ContentLoss, GramMatrix, StyleLoss (both on nn.MSECriterion, whose default
  sizeAverage=true makes it a mean), TVLoss:updateGradInput (a hand-written
  gradient with no loss value; `jcjohnson_tv_loss` is the loss it is the
  gradient of, derived here and checked against it by finite differences).
- anishathalye/neural-style, stylize.py (TensorFlow, feature maps 1 x H x W x C):
  its content, style and TV expressions, with tf.nn.l2_loss(t) = sum(t^2) / 2.

docs/peers.md cites the lines transcribed.
"""
import numpy as np

# neural_style.lua's defaults (cmd:option lines)
JCJOHNSON_CONTENT_WEIGHT = 5e0
JCJOHNSON_STYLE_WEIGHT = 1e2
JCJOHNSON_TV_WEIGHT = 1e-3

# neural_style.py's defaults (module constants)
ANISH_CONTENT_WEIGHT = 5e0
ANISH_CONTENT_WEIGHT_BLEND = 1
ANISH_STYLE_WEIGHT = 5e2
ANISH_TV_WEIGHT = 1e2
ANISH_STYLE_LAYER_WEIGHT_EXP = 1
ANISH_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


# -- jcjohnson/neural-style (Torch, C x H x W) --

def mse_criterion(input, target):
    """nn.MSECriterion with sizeAverage = true: the mean of the squared differences."""
    return float(np.mean((np.asarray(input, np.float64) - np.asarray(target, np.float64)) ** 2))


def jcjohnson_content_loss(input_chw, target_chw, strength=JCJOHNSON_CONTENT_WEIGHT):
    """ContentLoss:updateOutput: self.crit:forward(input, self.target) * self.strength."""
    return mse_criterion(input_chw, target_chw) * strength


def jcjohnson_gram(input_chw):
    """GramMatrix: x_flat = input:view(C, H*W); x_flat * x_flat^T (C x C)."""
    c = input_chw.shape[0]
    flat = np.asarray(input_chw, np.float64).reshape(c, -1)
    return flat @ flat.T


def jcjohnson_style_target(style_chw_list, blend_weights=None):
    """StyleLoss in 'capture' mode: G:div(input:nElement()) per style image, blended by weights summing to 1."""
    weights = blend_weights or [1.0] * len(style_chw_list)
    weights = [w / sum(weights) for w in weights]
    return sum(w * jcjohnson_gram(s) / s.size for w, s in zip(weights, style_chw_list))


def jcjohnson_style_loss(input_chw, target_gram, strength=JCJOHNSON_STYLE_WEIGHT):
    """StyleLoss:updateOutput in 'loss' mode: G = gram(input) / input:nElement(); strength * MSE(G, target)."""
    g = jcjohnson_gram(input_chw) / input_chw.size
    return strength * mse_criterion(g, target_gram)


def jcjohnson_tv_gradient(input_chw, strength=JCJOHNSON_TV_WEIGHT):
    """TVLoss:updateGradInput (gradOutput zero), statement by statement.

    x_diff = input[:, :-1, :-1] - input[:, :-1, 1:]; y_diff = input[:, :-1, :-1] - input[:, 1:, :-1];
    gradInput[:, :-1, :-1] += x_diff + y_diff; gradInput[:, :-1, 1:] -= x_diff;
    gradInput[:, 1:, :-1] -= y_diff; gradInput *= strength.
    """
    x = np.asarray(input_chw, np.float64)
    grad = np.zeros_like(x)
    x_diff = x[:, :-1, :-1] - x[:, :-1, 1:]
    y_diff = x[:, :-1, :-1] - x[:, 1:, :-1]
    grad[:, :-1, :-1] += x_diff + y_diff
    grad[:, :-1, 1:] -= x_diff
    grad[:, 1:, :-1] -= y_diff
    return grad * strength


def jcjohnson_tv_loss(input_chw, strength=JCJOHNSON_TV_WEIGHT):
    """The loss TVLoss's gradient is the gradient of (TVLoss reports none):

    strength * 1/2 * sum over the (H-1) x (W-1) interior of x_diff^2 + y_diff^2.
    """
    x = np.asarray(input_chw, np.float64)
    x_diff = x[:, :-1, :-1] - x[:, :-1, 1:]
    y_diff = x[:, :-1, :-1] - x[:, 1:, :-1]
    return strength * 0.5 * float((x_diff**2).sum() + (y_diff**2).sum())


def jcjohnson_total(content_pairs, style_pairs, image_chw, content_weight=JCJOHNSON_CONTENT_WEIGHT,
                    style_weight=JCJOHNSON_STYLE_WEIGHT, tv_weight=JCJOHNSON_TV_WEIGHT):
    """The objective neural_style.lua descends: every ContentLoss and StyleLoss module (each at full
    strength) plus the TV loss implied by TVLoss. `content_pairs`: [(input, target)];
    `style_pairs`: [(input, target Gram)], all C x H x W."""
    return (sum(jcjohnson_content_loss(x, p, content_weight) for x, p in content_pairs)
            + sum(jcjohnson_style_loss(x, a, style_weight) for x, a in style_pairs)
            + jcjohnson_tv_loss(image_chw, tv_weight))


# -- anishathalye/neural-style (TensorFlow, 1 x H x W x C) --

def l2_loss(t):
    """tf.nn.l2_loss: sum(t ** 2) / 2."""
    return float((np.asarray(t, np.float64) ** 2).sum() / 2)


def anish_content_loss(net_by_layer, content_features, content_weight=ANISH_CONTENT_WEIGHT,
                       content_weight_blend=ANISH_CONTENT_WEIGHT_BLEND):
    """content_layers_weights['relu4_2'] = blend, ['relu5_2'] = 1 - blend;
    sum over layers of weight * content_weight * (2 * l2_loss(net - features) / features.size)."""
    layer_weights = {"relu4_2": content_weight_blend, "relu5_2": 1.0 - content_weight_blend}
    return sum(layer_weights[name] * content_weight * (2 * l2_loss(net_by_layer[name] - content_features[name])
                                                       / content_features[name].size)
               for name in content_features)


def anish_style_layer_weights(style_layer_weight_exp=ANISH_STYLE_LAYER_WEIGHT_EXP, layers=ANISH_STYLE_LAYERS):
    """layer_weight starts at 1 and is multiplied by the exponent per layer, then normalised to sum 1."""
    weights, weight = {}, 1.0
    for name in layers:
        weights[name] = weight
        weight *= style_layer_weight_exp
    total = sum(weights.values())
    return {name: w / total for name, w in weights.items()}


def anish_gram(features_nhwc):
    """features reshaped to (-1, number); features.T @ features / features.size (H * W * C)."""
    flat = np.asarray(features_nhwc, np.float64).reshape(-1, features_nhwc.shape[-1])
    return flat.T @ flat / flat.size


def anish_style_loss(net_by_layer, style_grams, style_weight=ANISH_STYLE_WEIGHT, style_blend_weight=1.0,
                     layer_weights=None):
    """style_weight * blend * sum over layers of w_l * 2 * l2_loss(gram - style_gram) / style_gram.size."""
    layer_weights = layer_weights or anish_style_layer_weights(layers=tuple(style_grams))
    return style_weight * style_blend_weight * sum(
        layer_weights[name] * 2 * l2_loss(anish_gram(net_by_layer[name]) - style_grams[name]) / style_grams[name].size
        for name in style_grams)


def anish_tv_loss(image_nhwc, tv_weight=ANISH_TV_WEIGHT):
    """tv_weight * 2 * (l2_loss(image[:,1:] - image[:,:-1]) / tv_y_size + l2_loss(image[:,:,1:] - image[:,:,:-1]) /
    tv_x_size), tv_y_size and tv_x_size the sizes of image[:,1:,:,:] and image[:,:,1:,:]."""
    x = np.asarray(image_nhwc, np.float64)
    tv_y_size, tv_x_size = x[:, 1:].size, x[:, :, 1:].size
    return tv_weight * 2 * (l2_loss(x[:, 1:] - x[:, :-1]) / tv_y_size + l2_loss(x[:, :, 1:] - x[:, :, :-1]) / tv_x_size)


def nhwc_to_chw(x):
    """(1, H, W, C) -> (C, H, W), Torch's layout (the channel order does not change any term)."""
    return np.transpose(np.asarray(x)[0], (2, 0, 1))
