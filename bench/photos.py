"""Benchmark of the photo pipeline against the bare Pillow floor, in the same run.

Makes a photo-like 12 MP JPEG in memory (4000×3000: gradients, blocks and discs, detail at every
scale, saved at quality 92 with EXIF orientation 6 as a phone held upright writes it; 3.5 MB to
4 MB), then times, best of ``--runs``:

- ours: :func:`app.photos.process_photo` with the settings of flet.toml;
- the floor: what any pipeline has to do, in bare Pillow: open, draft-decode at the same scale,
  resize the long edge to the same size with the same filter, save a JPEG at the same quality.

Prints both times, their ratio and the size of our photo. Goal: ratio ≤ 1.5, photo < 400 KB.

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
from app.photos import RESAMPLE, PhotoSettings, ProcessedPhoto, Watermark, process_photo

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


def camera_jpeg(width: int, height: int, seed: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = ORIENTATION_UPRIGHT
    out = io.BytesIO()
    photo_like(width, height, seed).save(out, "JPEG", quality=92, exif=exif)
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


@click.command()
@click.option("--runs", default=7, show_default=True, help="Runs of each side; the best counts.")
@click.option("--width", default=4000, show_default=True, help="Width of the camera photo.")
@click.option("--height", default=3000, show_default=True, help="Height of the camera photo.")
@click.option("--seed", default=2026, show_default=True)
@click.option("--save", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write our photo and thumbnail to, for a look.")
def main(runs: int, width: int, height: int, seed: int, save: Path | None) -> None:
    settings = PhotoSettings.from_config(load_config())
    data = camera_jpeg(width, height, seed)

    def ours() -> ProcessedPhoto:
        return process_photo(data, watermark=WATERMARK, settings=settings)

    ours_s = floor_s = float("inf")
    # Alternate the two sides so that a slow patch of the machine hits both alike.
    for _ in range(runs):
        ours_s = min(ours_s, seconds(ours))
        floor_s = min(floor_s, seconds(lambda: floor(data, settings)))
    result = ours()
    kb = len(result.jpeg) / 1000
    ratio = ours_s / floor_s
    click.echo(f"source: {width}×{height} JPEG, {len(data) / 1e6:.2f} MB, "
               f"EXIF orientation {ORIENTATION_UPRIGHT}; best of {runs} runs")
    click.echo(f"ours:   {ours_s * 1000:7.1f} ms  {result.width}×{result.height}, "
               f"{kb:.0f} KB photo + {len(result.thumbnail) / 1000:.0f} KB thumbnail")
    click.echo(f"floor:  {floor_s * 1000:7.1f} ms  open, draft, resize ({RESAMPLE.name}), "
               f"save at quality {settings.jpeg_quality}")
    click.echo(f"ratio:  {ratio:.2f} (goal ≤ {GOAL_RATIO}: {_verdict(ratio <= GOAL_RATIO)}); "
               f"size {kb:.0f} KB (goal < {GOAL_KB} KB: {_verdict(kb < GOAL_KB)})")
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{result.sha256}.jpg").write_bytes(result.jpeg)
        (save / f"{result.sha256}.thumb.jpg").write_bytes(result.thumbnail)
        click.echo(f"saved:  {save / result.sha256}.jpg")


if __name__ == "__main__":
    main()
