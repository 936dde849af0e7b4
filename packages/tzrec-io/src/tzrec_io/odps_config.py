"""MaxCompute (ODPS) connection settings: from a config file or the environment.

Where the settings come from, first match wins:

1. ``ODPS_CONFIG_FILE_PATH`` names a ``key=value`` file (odpscmd's format)::

       project_name=my_project
       access_id=...
       access_key=...
       end_point=http://service.cn-hangzhou.maxcompute.aliyun.com/api

   (``tunnel_endpoint`` is optional; blank lines and ``#`` comments are ignored).
2. ``ODPS_ENDPOINT`` (with optional ``ODPS_PROJECT_NAME``, ``ODPS_TUNNEL_ENDPOINT``) and
   the keys in ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` (or
   ``ODPS_ACCESS_ID`` / ``ODPS_ACCESS_KEY``) and optionally an STS token in
   ``ALIBABA_CLOUD_SECURITY_TOKEN``. Without keys (PAI-DLC / DSW with the PAI default
   role), the Alibaba Cloud credential chain is used when the client is built.

The access key and token are secrets: :class:`OdpsConfig`'s repr and str show only
whether they are set, and errors never quote them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

CONFIG_FILE_ENV = "ODPS_CONFIG_FILE_PATH"
ENDPOINT_ENV = "ODPS_ENDPOINT"
ACCESS_ID_ENVS = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ODPS_ACCESS_ID")
ACCESS_KEY_ENVS = ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ODPS_ACCESS_KEY")
TOKEN_ENV = "ALIBABA_CLOUD_SECURITY_TOKEN"


class OdpsConfigError(ValueError):
    """Missing or malformed ODPS connection settings (never quoting a secret)."""


@dataclass(frozen=True, repr=False)
class OdpsConfig:
    """Where and as whom to connect to MaxCompute.

    Attributes:
        endpoint: the service endpoint (``http://service.{region}...aliyun...com/api``).
        project: the default project; tables name their own project anyway.
        access_id: the AccessKey ID, or None to use the credential chain.
        access_key: the AccessKey secret (hidden in repr / str).
        security_token: an STS token for temporary keys (hidden in repr / str).
        tunnel_endpoint: a fixed tunnel endpoint; None lets the service choose.
        source: where the settings came from (the file path or "environment").
    """

    endpoint: str
    project: str | None = None
    access_id: str | None = None
    access_key: str | None = None
    security_token: str | None = None
    tunnel_endpoint: str | None = None
    source: str = "environment"

    def __repr__(self) -> str:
        access_id = f"'{self.access_id[:4]}...'" if self.access_id else "None"
        return (
            f"OdpsConfig(endpoint={self.endpoint!r}, project={self.project!r}, "
            f"access_id={access_id}, access_key={'<hidden>' if self.access_key else None}, "
            f"security_token={'<hidden>' if self.security_token else None}, "
            f"tunnel_endpoint={self.tunnel_endpoint!r}, source={self.source!r})"
        )

    __str__ = __repr__


def parse_config_file(path: str) -> dict[str, str]:
    """The ``key=value`` pairs of an odpscmd-style config file.

    Raises:
        OdpsConfigError: the file cannot be read, or a line is not ``key=value``
            (the error gives the line number, not its text, which may hold a key).
    """
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise OdpsConfigError(f"{CONFIG_FILE_ENV}={path}: cannot read the file ({e})") from e
    values: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise OdpsConfigError(f"{path}:{number}: expected 'key=value'")
        values[key.strip()] = value.strip()
    return values


def _config_from_file(path: str) -> OdpsConfig:
    values = parse_config_file(path)
    endpoint = values.get("end_point") or values.get("endpoint")
    if not endpoint:
        raise OdpsConfigError(f"{path}: no 'end_point' (the MaxCompute endpoint)")
    access_id, access_key = values.get("access_id") or None, values.get("access_key") or None
    if bool(access_id) != bool(access_key):
        raise OdpsConfigError(f"{path}: set both 'access_id' and 'access_key', or neither")
    return OdpsConfig(
        endpoint=endpoint,
        project=values.get("project_name") or None,
        access_id=access_id,
        access_key=access_key,
        tunnel_endpoint=values.get("tunnel_endpoint") or None,
        source=path,
    )


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if environ.get(name):
            return environ[name]
    return None


def load_odps_config(environ: Mapping[str, str] | None = None) -> OdpsConfig:
    """The connection settings from ``ODPS_CONFIG_FILE_PATH`` or the environment.

    Args:
        environ: the environment to read (default ``os.environ``).

    Raises:
        OdpsConfigError: neither a config file nor ``ODPS_ENDPOINT`` is given, or the
            settings are incomplete.
    """
    env = os.environ if environ is None else environ
    if env.get(CONFIG_FILE_ENV):
        return _config_from_file(env[CONFIG_FILE_ENV])
    if not env.get(ENDPOINT_ENV):
        raise OdpsConfigError(
            f"no MaxCompute settings: set {CONFIG_FILE_ENV} to an odps config file "
            f"(project_name, access_id, access_key, end_point) or {ENDPOINT_ENV} (with "
            f"{ACCESS_ID_ENVS[0]} / {ACCESS_KEY_ENVS[0]}, or the PAI default role)"
        )
    access_id, access_key = _first(env, ACCESS_ID_ENVS), _first(env, ACCESS_KEY_ENVS)
    if bool(access_id) != bool(access_key):
        raise OdpsConfigError(
            f"set both {ACCESS_ID_ENVS[0]} and {ACCESS_KEY_ENVS[0]} (or neither, to use the "
            "credential chain)"
        )
    return OdpsConfig(
        endpoint=env[ENDPOINT_ENV],
        project=env.get("ODPS_PROJECT_NAME") or None,
        access_id=access_id,
        access_key=access_key,
        security_token=env.get(TOKEN_ENV) or None,
        tunnel_endpoint=env.get("ODPS_TUNNEL_ENDPOINT") or None,
    )
