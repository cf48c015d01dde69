"""Install one Home Assistant environment into the running venv, under Home Assistant's own pins.

Run by scripts/setup with the venv's own Python (inside the forky root for the current lane).
A test environment names its test plugin, which pins the Home Assistant release it was generated
from; a demo environment names a Home Assistant release. Either way, that release's
package_constraints.txt (read from its wheel) constrains everything installed beside it.
"""

from __future__ import annotations

import argparse
from email.parser import Parser
import json
from pathlib import Path
import re
import subprocess
import sys
import tempfile
import zipfile

PLUGIN = "pytest-homeassistant-custom-component"


def pip(*args: str) -> None:
    """Run the venv's pip quietly; its errors still show."""
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *args], check=True)  # noqa: S603


def wheel_text(wheel: Path, suffix: str) -> str:
    """The text of the one file in ``wheel`` whose name ends with ``suffix``."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(suffix)]
        return archive.read(name).decode()


def download(project: str, version: str, into: Path) -> Path:
    """Download one wheel without its dependencies."""
    pip("download", "--no-deps", "--only-binary=:all:", f"{project}=={version}", "-d", str(into))
    prefix = re.sub(r"[-.]+", "_", project).lower() + "-"
    (wheel,) = [w for w in into.glob("*.whl") if w.name.lower().startswith(prefix)]
    return wheel


def pinned_home_assistant(plugin_wheel: Path) -> str:
    """The Home Assistant release the test plugin was generated from."""
    metadata = Parser().parsestr(wheel_text(plugin_wheel, ".dist-info/METADATA"))
    for requirement in metadata.get_all("Requires-Dist") or []:
        match = re.fullmatch(r"homeassistant\s*==\s*([\w.]+)", requirement.strip())
        if match:
            return match.group(1)
    raise SystemExit(f"{plugin_wheel.name} pins no Home Assistant release")


def main() -> None:
    """Install Home Assistant (directly or through the test plugin) and the requirements."""
    parser = argparse.ArgumentParser()
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--plugin", help="test plugin version (brings its Home Assistant)")
    target.add_argument("--ha", help="Home Assistant version (demo and browser test)")
    parser.add_argument("--extra-constraint", action="append", default=[])
    parser.add_argument("--requirements", action="append", default=[])
    parser.add_argument(
        "--components-of",
        help="file naming Home Assistant components whose own requirements to install as well",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.plugin:
            ha_version = pinned_home_assistant(download(PLUGIN, args.plugin, Path(tmp)))
            wanted = f"{PLUGIN}=={args.plugin}"
        else:
            ha_version = args.ha
            wanted = f"homeassistant=={args.ha}"
        constraints = wheel_text(
            download("homeassistant", ha_version, Path(tmp)),
            "homeassistant/package_constraints.txt",
        )
    constraint_file = Path(sys.prefix) / "ha-constraints.txt"
    constraint_file.write_text(
        "\n".join([constraints.rstrip(), *args.extra_constraint]) + "\n", encoding="utf-8"
    )
    print(f"   Home Assistant {ha_version} ({wanted})", flush=True)
    pip("install", "--upgrade", "pip")
    pip(
        "install",
        "-c",
        str(constraint_file),
        f"homeassistant=={ha_version}",
        wanted,
        *[f"-r{path}" for path in args.requirements],
    )
    if args.components_of:
        install_component_requirements(Path(args.components_of), constraint_file)


def install_component_requirements(listing: Path, constraint_file: Path) -> None:
    """Install what the named components' manifests require, at the versions they pin.

    `hass --skip-pip` installs nothing itself, and a base component whose package is missing
    logs a setup error on every start.
    """
    import homeassistant

    components = Path(homeassistant.__file__).parent / "components"
    wanted: list[str] = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            manifest = json.loads((components / name / "manifest.json").read_text(encoding="utf-8"))
            wanted.extend(manifest.get("requirements", []))
    if wanted:
        pip("install", "-c", str(constraint_file), *sorted(set(wanted)))


if __name__ == "__main__":
    main()
