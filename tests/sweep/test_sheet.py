"""sheet.png's labels fit: no label text runs over an image or another label, or off the page, with the
portrait styles (The Scream, Femme nue assise) as the row or the column labels."""
import pytest

from legacy_nst.sweep import spec as sweep_spec
from legacy_nst.sweep.sheet import sheet_figure

STYLES = ("shipwreck", "starry_night", "the_scream", "seated-nude")


def spec_text(shared_dir, weights, layout):
    """Figure 2's sheet (style and alpha zipped: rows), or styles crossed with two alphas as rows or columns."""
    styles = ", ".join(f'"{shared_dir}/images/{name}.jpg"' for name in STYLES)
    axes = {"figure2": [f"style = [{styles}]", "alpha = [1e3, 1e3, 1e3, 1e4]"],
            "rows": [f"style = [{styles}]", "alpha = [1e3, 1e4]"],
            "columns": ["alpha = [1e3, 1e4]", f"style = [{styles}]"]}[layout]
    return (('zip = [["style", "alpha"]]\n' if layout == "figure2" else "") +
            f'[base]\ncontent = "{shared_dir}/images/tubingen.jpg"\nweights = "{weights}"\nwidth = 32\n'
            "[axes]\n" + "\n".join(axes) + "\n")


def overlaps(a, b):
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


@pytest.mark.parametrize("layout", ["figure2", "rows", "columns"])
def test_labels_fit_beside_portrait_images(tmp_path, shared_dir, approx_weights_path, content_path, layout):
    path = tmp_path / "spec.toml"
    path.write_text(spec_text(shared_dir, approx_weights_path, layout))
    spec = sweep_spec.load(path)
    entries = [{"id": job.id, "status": "completed", "output": str(content_path)} for job in spec.jobs]
    figure = sheet_figure(spec, entries)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    page = figure.bbox
    texts = [text for ax in figure.axes for text in (*ax.texts, ax.title) if text.get_text()]
    images = [image.get_window_extent(renderer) for ax in figure.axes for image in ax.images]
    assert len(texts) >= len(STYLES) + 1 and len(images) == len(spec.jobs) + len(STYLES) + 1
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in texts]
    for label, box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, label
        assert not [image for image in images if overlaps(box, image)], label
        assert not [other for other, box2 in boxes if other != label and overlaps(box, box2)], label
