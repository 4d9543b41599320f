"""Colour control (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", section 5): keep
the content's colours while the style's brush strokes transfer. Pure numpy, float64, on RGB in 0-255.

Two ways, both prepared before the run (io.colors.preserve_colors is jcjohnson's after-the-fact swap):

- Luminance-only transfer (5.1): the transfer runs on luminance alone. Each image's luminance Y (YIQ, as the
  paper) goes to the network as a grey 3-channel image, the style's first matched to the content's mean and
  variance, Y_s' = sigma_c / sigma_s * (Y_s - mu_s) + mu_c (`match_luminance`, `luminance_inputs`); the
  result's Y is then recombined with the content's I and Q (`with_content_chroma`).
- Colour histogram matching (5.2): the style image's colours are mapped to the content's mean and covariance
  by a linear map (`color_transform`, `match_colors`), then the transfer runs as usual.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .images import as_pixels, resize

# NTSC YIQ (scikit-image's rgb2yiq, which the authors' code used): Y is Rec. 601 luma
YIQ_FROM_RGB = np.array([[0.299, 0.587, 0.114],
                         [0.59590059, -0.27455667, -0.32134392],
                         [0.21153661, -0.52273617, 0.31119955]])
RGB_FROM_YIQ = np.linalg.inv(YIQ_FROM_RGB)


def rgb_to_yiq(rgb):
    """(..., 3) RGB -> float64 (..., 3) YIQ, in the same units (0-255 RGB: Y in 0-255, I and Q about 0)."""
    return np.asarray(rgb, np.float64) @ YIQ_FROM_RGB.T


def yiq_to_rgb(yiq):
    """Inverse of rgb_to_yiq, as float64 (not clipped)."""
    return np.asarray(yiq, np.float64) @ RGB_FROM_YIQ.T


def check_colorful(rgb, label):
    """Raise a one-line ConfigError if an image is greyscale (R = G = B everywhere): it has no colours to keep."""
    rgb = np.asarray(rgb)
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
        raise ConfigError(f"{label} is greyscale, so there are no colours to control; drop --color-control or give "
                          "a colour image")


def match_luminance(style_rgb, content_rgb):
    """The style's luminance, float64 (H, W), matched to the content's mean and variance (the paper's 5.1):
    Y_s' = sigma_c / sigma_s * (Y_s - mu_s) + mu_c (a flat style, sigma_s = 0, is moved to mu_c)."""
    style_y, content_y = rgb_to_yiq(style_rgb)[..., 0], rgb_to_yiq(content_rgb)[..., 0]
    sigma_s = style_y.std()
    gain = content_y.std() / sigma_s if sigma_s > 0 else 0.0
    return gain * (style_y - style_y.mean()) + content_y.mean()


def grey_image(luminance):
    """A luminance (H, W) as the network takes an image: uint8 (H, W, 3), each channel Y (clipped, rounded)."""
    grey = np.rint(np.clip(np.asarray(luminance, np.float64), 0.0, 255.0)).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def luminance_inputs(content_rgb, styles_rgb):
    """(the content's grey image, each style's grey image with its luminance matched to the content's): what a
    luminance-only transfer optimises on (uint8 (H, W, 3) each)."""
    content_y = rgb_to_yiq(content_rgb)[..., 0]
    return grey_image(content_y), [grey_image(match_luminance(style, content_rgb)) for style in styles_rgb]


def with_content_chroma(result_rgb, content_rgb):
    """The result's luminance Y with the content's chroma I and Q (content resized to the result's size), back
    in RGB: uint8 (H, W, 3) for a uint8 result, else float64.

    RGB = Y u + c(I, Q), u = RGB_FROM_YIQ's first column (1, 1, 1 to 1e-8), so a pixel stays in the RGB cube
    exactly when -c_k / u_k <= Y <= (255 - c_k) / u_k for each channel k; the content's own Y lies there, so
    where the result's Y with the content's chroma would leave the cube, Y is clamped into it instead of the
    RGB values being clipped: the chroma is the content's at every pixel (to uint8 rounding: at most 0.6 of a
    level in I and Q).
    """
    result = np.asarray(result_rgb)
    content = resize(as_pixels(content_rgb), result.shape[:2])
    yiq = rgb_to_yiq(content)
    yiq[..., 0] = 0.0
    chroma, unit = yiq_to_rgb(yiq), RGB_FROM_YIQ[:, 0]  # c(I, Q): what the chroma adds to each channel
    low, high = (-chroma / unit).max(axis=-1), ((255.0 - chroma) / unit).min(axis=-1)
    luminance = np.clip(rgb_to_yiq(result)[..., 0], low, high)
    rgb = np.clip(luminance[..., None] * unit + chroma, 0.0, 255.0)  # the clip only catches float rounding
    return np.rint(rgb).astype(np.uint8) if result.dtype == np.uint8 else rgb


def _symmetric_power(covariance, power):
    """covariance^power for a symmetric positive-definite 3x3, by its eigendecomposition V diag(l^p) V^T."""
    values, vectors = np.linalg.eigh(covariance)
    return (vectors * values ** power) @ vectors.T


def _statistics(rgb):
    pixels = np.asarray(rgb, np.float64).reshape(-1, 3)
    return pixels.mean(axis=0), np.cov(pixels, rowvar=False, bias=True)


@dataclass(frozen=True)
class ColorTransform:
    """x' = matrix @ x + offset on each RGB pixel x (0-255)."""

    matrix: np.ndarray
    offset: np.ndarray

    def __call__(self, rgb, clip=True):
        """The map applied to (..., 3) pixels, float64, clipped to 0-255 unless `clip` is False."""
        mapped = np.asarray(rgb, np.float64) @ self.matrix.T + self.offset
        return np.clip(mapped, 0.0, 255.0) if clip else mapped


def color_transform(style_rgb, content_rgb):
    """The paper's colour histogram matching (5.2): the linear map taking the style's pixels to the content's
    mean and covariance,

        x' = Sigma_c^(1/2) Sigma_s^(-1/2) (x - mu_s) + mu_c,

    with mu and Sigma each image's mean colour and 3x3 colour covariance (over its pixels, 1/n), and the matrix
    powers the symmetric ones from the eigendecomposition ("pca" in the authors' code). Then
    Cov(x') = Sigma_c^(1/2) Sigma_s^(-1/2) Sigma_s Sigma_s^(-1/2) Sigma_c^(1/2) = Sigma_c and mean(x') = mu_c.
    A style without colour variance in some direction (a greyscale style) has no such map: a one-line error.
    """
    mu_s, sigma_s = _statistics(style_rgb)
    mu_c, sigma_c = _statistics(content_rgb)
    values = np.linalg.eigvalsh(sigma_s)
    if values[0] <= 1e-10 * max(values[-1], 1e-300):
        raise ConfigError("the style image's colours vary in fewer than three directions (a greyscale or "
                          "flat image), so they cannot be matched to the content's; drop --color-control histogram")
    matrix = _symmetric_power(sigma_c, 0.5) @ _symmetric_power(sigma_s, -0.5)
    return ColorTransform(matrix, mu_c - matrix @ mu_s)


def match_colors(style_rgb, content_rgb):
    """The style image with its colours matched to the content's (color_transform), as uint8 (H, W, 3) for the
    network: clipped to 0-255 and rounded."""
    return np.rint(color_transform(style_rgb, content_rgb)(style_rgb)).astype(np.uint8)
