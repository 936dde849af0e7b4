"""``tzrec plugins``: what each installed plugin provides."""

from __future__ import annotations

import typer

from tzrec.plugins import get_plugin_manager, get_registries


def plugin_inventory() -> dict[str, dict[str, list[str]]]:
    """For each loaded plugin: the names it registered, by kind (empty kinds left out).

    Plugins that register nothing still appear, with an empty dict.
    """
    pm = get_plugin_manager()
    inventory: dict[str, dict[str, list[str]]] = {
        name: {} for name, plugin in pm.list_name_plugin() if plugin is not None
    }
    for kind, registry in get_registries().by_kind().items():
        for name in registry.names():
            owner = registry.entries[name].plugin
            inventory.setdefault(owner, {}).setdefault(kind, []).append(name)
    return inventory


def _distribution(plugin_name: str) -> str:
    pm = get_plugin_manager()
    plugin = pm.get_plugin(plugin_name)
    for dist_plugin, dist in pm.list_plugin_distinfo():
        if dist_plugin is plugin:
            return f"{dist.project_name} {dist.version}"
    return "registered directly"


def plugins() -> None:
    """List installed tzrec plugins and what each provides (models, readers...)."""
    inventory = plugin_inventory()
    for plugin_name in sorted(inventory):
        typer.echo(f"{plugin_name}  ({_distribution(plugin_name)})")
        provided = inventory[plugin_name]
        if not provided:
            typer.echo("    (nothing registered yet)")
        for kind in sorted(provided):
            typer.echo(f"    {kind}: {', '.join(provided[kind])}")
