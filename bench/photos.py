"""Benchmark of the photo pipeline against the bare Pillow floor, in the same run.

Makes a photo-like 12 MP JPEG in memory (4000×3000: gradients, blocks and discs, detail at every
scale, saved at quality 92 with EXIF orientation 6 as a phone held upright writes it; 3.5 MB to
4 MB), then times, best of ``--runs``:

- ours: :func:`app.photos.process_photo` with the settings of flet.toml;
- the floor: what any pipeline has to do, in bare Pillow: open, draft-decode at the same scale,
  resize the long edge to the same size with the same filter, save a JPEG at the same quality.

Prints both times, their ratio and the size of our photo. Goal: ratio ≤ 1.5, photo < 400 KB.

Then the same for the same photo as an iPhone stores it, HEIC (x265 at quality 50, about 2 MB at
12 MP, in 512-pixel tiles with a 320-pixel thumbnail, turned by the HEIF box irot as orientation 6
is), when pillow-heif is installed. The floor is the
same function: pillow-heif's draft can only pick an embedded thumbnail at least the target size
(this file has none, nor has an iPhone's one that big), so both sides decode every pixel.

Run from the repository root: ``python -m bench.photos [--runs 7] [--save DIR]``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections.abc import Callable
from pathlib import Path

import click
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter

from app.config import load_config
from app.photos import FORMATS, RESAMPLE, PhotoSettings, ProcessedPhoto, Watermark, process_photo

WATERMARK = Watermark(
    time=dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    place="山东省威海市环翠区新威路25号",
    inspectors=(("张三", "37060200123"), ("李四", "37060200456")),
    entity_name="威海市环翠区海鲜食品有限公司",
    task_id="RW-2026-0001",
)
ORIENTATION_UPRIGHT = 6
GOAL_RATIO = 1.5
GOAL_KB = 400
# (divisor of the size, sigma) of each layer of detail; see photo_like.
DETAIL = ((8, 10.0), (4, 7.0), (2, 5.0), (1, 3.5))


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """Content that compresses like a photo: smooth gradients, edges and detail at every scale.

    The detail is noise made at 1/8, 1/4, 1/2 and full size, enlarged and added, stronger at the
    coarser scales (about 1/f, as in real scenes): fine noise alone would vanish in the downscale
    and leave an unrealistically small output. ``seed`` fixes the shapes; the noise comes from
    Pillow's own generator, which cannot be seeded but starts the same in every process.
    """
    rng = random.Random(seed)
    sky = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (sky, Image.radial_gradient("L").resize((width, height)),
                                sky.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))
    draw = ImageDraw.Draw(image)
    for _ in range(120):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 60, width // 5), rng.randrange(height // 60, height // 4)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.ellipse if rng.random() < 0.4 else draw.rectangle
        shape((x, y, x + w, y + h), fill=colour, outline=(20, 20, 20), width=rng.randrange(1, 6))
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    for divisor, sigma in DETAIL:
        layer = Image.effect_noise((width // divisor, height // divisor), sigma)
        layer = layer.resize((width, height), Image.Resampling.BICUBIC)
        image = ImageChops.add(image, Image.merge("RGB", (layer, layer, layer)), 1, -128)
    return image


def camera_file(photo: Image.Image, fmt: str) -> bytes:
    """``photo`` saved as a phone held upright saves it, as a JPEG or a HEIC (``"HEIF"``)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = ORIENTATION_UPRIGHT
    out = io.BytesIO()
    if fmt == "HEIF":
        # pillow-heif turns the orientation into an irot box (bytes, not an Image.Exif, for that);
        # x265's default preset would take half a minute here.
        photo.save(out, "HEIF", quality=50, exif=exif.tobytes(), tile_size=512, thumbnails=[320],
                   enc_params={"preset": "ultrafast"})
    else:
        photo.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def floor(data: bytes, settings: PhotoSettings) -> bytes:
    """Open, draft, resize, save: the least a downscaling pipeline can do."""
    file = Image.open(io.BytesIO(data))
    scale = min(1.0, settings.long_edge_px / max(file.size))
    size = (round(file.width * scale), round(file.height * scale))
    file.draft("RGB", size)
    out = io.BytesIO()
    file.resize(size, RESAMPLE).save(out, "JPEG", quality=settings.jpeg_quality)
    return out.getvalue()


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def best_of(runs: int, data: bytes, settings: PhotoSettings) -> tuple[float, float]:
    """The best times of ours and of the floor on ``data``."""

    def ours() -> ProcessedPhoto:
        return process_photo(data, watermark=WATERMARK, settings=settings)

    ours_s = floor_s = float("inf")
    # Alternate the two sides so that a slow patch of the machine hits both alike.
    for _ in range(runs):
        ours_s = min(ours_s, seconds(ours))
        floor_s = min(floor_s, seconds(lambda: floor(data, settings)))
    return ours_s, floor_s


def report(prefix: str, data: bytes, settings: PhotoSettings, ours_s: float, floor_s: float
           ) -> ProcessedPhoto:
    """Print the times, the ratio and the sizes, each line starting with ``prefix``."""
    result = process_photo(data, watermark=WATERMARK, settings=settings)
    kb = len(result.jpeg) / 1000
    ratio = ours_s / floor_s
    fast = _verdict(ratio <= GOAL_RATIO)
    click.echo(f"{prefix}ours:   {ours_s * 1000:7.1f} ms  {result.width}×{result.height}, "
               f"{kb:.0f} KB photo + {len(result.thumbnail) / 1000:.0f} KB thumbnail")
    click.echo(f"{prefix}floor:  {floor_s * 1000:7.1f} ms  open, draft, resize ({RESAMPLE.name}), "
               f"save at quality {settings.jpeg_quality}")
    click.echo(f"{prefix}ratio:  {ratio:.2f} (goal ≤ {GOAL_RATIO}: {fast}); "
               f"size {kb:.0f} KB (goal < {GOAL_KB} KB: {_verdict(kb < GOAL_KB)})")
    return result


@click.command()
@click.option("--runs", default=7, show_default=True, help="Runs of each side; the best counts.")
@click.option("--width", default=4000, show_default=True, help="Width of the camera photo.")
@click.option("--height", default=3000, show_default=True, help="Height of the camera photo.")
@click.option("--seed", default=2026, show_default=True)
@click.option("--save", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write our photo and thumbnail to, for a look.")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(runs: int, width: int, height: int, seed: int, save: Path | None, smoke: bool) -> None:
    if smoke:
        runs, width, height = 1, 400, 300
    settings = PhotoSettings.from_config(load_config())
    photo = photo_like(width, height, seed)
    data = camera_file(photo, "JPEG")
    ours_s, floor_s = best_of(runs, data, settings)
    click.echo(f"source: {width}×{height} JPEG, {len(data) / 1e6:.2f} MB, "
               f"EXIF orientation {ORIENTATION_UPRIGHT}; best of {runs} runs")
    result = report("", data, settings, ours_s, floor_s)
    if "HEIF" in FORMATS:
        heic = camera_file(photo, "HEIF")
        heic_ours_s, heic_floor_s = best_of(runs, heic, settings)
        click.echo(f"heic source: {width}×{height} HEIC, {len(heic) / 1e6:.2f} MB, "
                   f"orientation {ORIENTATION_UPRIGHT} as irot; best of {runs} runs")
        report("heic ", heic, settings, heic_ours_s, heic_floor_s)
    else:
        click.echo("heic: not measured (no pillow-heif)")
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{result.sha256}.jpg").write_bytes(result.jpeg)
        (save / f"{result.sha256}.thumb.jpg").write_bytes(result.thumbnail)
        click.echo(f"saved:  {save / result.sha256}.jpg")


if __name__ == "__main__":
    main()
