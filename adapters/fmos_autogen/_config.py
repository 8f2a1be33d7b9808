"""The component config of ``FMOSChatCompletionClient``: what rebuilds a client."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FMOSClientConfig(BaseModel):
    """Everything needed to rebuild a client, never the live kernel.

    ``config_path`` names the FMOS TOML file the kernel is built from; ``None`` means
    the default kernel (``FMOS()``: VFM ``default`` on the embedded model).
    ``tool_choice`` replaces a call's ``"auto"`` when the call offers tools.

    Example:
        >>> FMOSClientConfig(tenant="acme", tool_privileges={"send_email": "write"}).vfm
        'default'
    """

    model_config = ConfigDict(extra="forbid")

    config_path: str | None = None
    vfm: str = "default"
    tenant: str = "default"
    app: str = "default"
    session: str = "default"
    max_tokens: int | None = Field(default=None, ge=1)
    timeout: float | None = Field(default=None, gt=0)  # seconds per pFM attempt
    tool_privileges: dict[str, str] = Field(default_factory=dict)
    tool_choice: str = "auto"
