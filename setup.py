from pathlib import Path

from setuptools import find_packages, setup

version = next(line.split('"')[1] for line in Path("legacy_nst/__init__.py").read_text().splitlines()
               if line.startswith("__version__"))

setup(
    name="legacy_nst",
    version=version,
    description="Gatys et al.'s neural style transfer as logO's art.py, in TensorFlow graph mode (tf.compat.v1)",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["legacy_nst", "legacy_nst.*"]),
    python_requires=">=3.9",
    install_requires=[
        "tensorflow-cpu>=2.16; platform_system=='Linux' and platform_machine=='x86_64'",
        "tensorflow>=2.16; platform_system!='Linux' or platform_machine!='x86_64'",
        "numpy",
        "scipy",
        "pillow",
        "tqdm",
        "matplotlib",
        "av",  # PyAV (FFmpeg in a wheel): legacy-nst video reads any clip, writes H.264 and carries the audio
        "opencv-python-headless",  # OpenCV's DIS optical flow (and remap) for the video run's flows and warps
        "ray",  # legacy-nst sweep runs its jobs on Ray (imported only by that subcommand)
        "tomli; python_version<'3.11'",  # sweep specs are TOML; the standard library reads it from 3.11
    ],
    # gpu: TensorFlow with CUDA for single runs and sweeps ([ray] num_gpus in a spec); not tested here (no GPU)
    # tensorboard: --tensorboard DIR's event files are written with its writer, and viewed with it (CI installs it)
    extras_require={"test": ["pytest", "hypothesis"], "gpu": ["tensorflow[and-cuda]>=2.16"],
                    "tensorboard": ["tensorboard>=2.16"]},
    entry_points={"console_scripts": ["legacy-nst=legacy_nst.cli.console:console_main"]},
)
