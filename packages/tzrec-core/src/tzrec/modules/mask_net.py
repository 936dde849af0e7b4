"""MaskNet's blocks (Wang et al., 2021): instance-guided masks on feature embeddings.

A :class:`MaskBlock` multiplies its (layer-normalised) input element-wise by a mask that
the instance's feature embedding generates, then applies a feed-forward layer:

    mask   = W2 ReLU(W1 emb + b1) + b2           (aggregation, then projection)
    output = ReLU(LN(W_h (mask * LN(input))))    (hidden layer, no bias: LN re-centres)

``input`` is the feature embedding itself for the first block, and the previous block's
output for later blocks of a serial stack; the mask always comes from the embedding.

:class:`MaskNetModule` stacks ``n_mask_blocks`` blocks in parallel (each on the
embedding, outputs concatenated) or serially (each on the previous output), then an
optional top MLP.
"""

from __future__ import annotations

import torch
from torch import nn

from tzrec.modules.mlp import MLP
from tzrec.protos import module_pb2


def aggregation_dim_of(config: module_pb2.MaskBlock, mask_input_dim: int, field: str) -> int:
    """Width of a MaskBlock's aggregation layer as its config sets it.

    ``reduction_ratio`` (aggregation_dim / mask input width) wins over
    ``aggregation_dim`` when both are set.

    Args:
        config: the MaskBlock config.
        mask_input_dim: width of the feature embedding the mask is generated from.
        field: the config path of ``config``, for error messages.

    Raises:
        ValueError: when neither field is set, or the result is not positive.
    """
    if config.HasField("reduction_ratio"):
        ratio = float(config.reduction_ratio)
        if ratio <= 0:
            raise ValueError(f"{field}.reduction_ratio must be > 0, got {ratio}")
        aggregation = int(mask_input_dim * ratio)
        if aggregation <= 0:
            raise ValueError(
                f"{field}.reduction_ratio {ratio} x input width {mask_input_dim} gives an "
                "empty aggregation layer; use a larger ratio"
            )
        return aggregation
    if config.aggregation_dim > 0:
        return int(config.aggregation_dim)
    raise ValueError(f"{field}: set reduction_ratio or aggregation_dim")


class MaskBlock(nn.Module):
    """One MaskBlock: ``ReLU(LN(W_h (mask(emb) * LN(input))))``.

    Args:
        input_dim: width of the masked input (the embedding, or the previous block's
            output in a serial stack).
        mask_input_dim: width of the feature embedding the mask is generated from.
        aggregation_dim: width of the mask generator's hidden (aggregation) layer.
        hidden_dim: width of the block's output.
    """

    def __init__(
        self, input_dim: int, mask_input_dim: int, aggregation_dim: int, hidden_dim: int
    ) -> None:
        super().__init__()
        for name, value in (
            ("input_dim", input_dim),
            ("mask_input_dim", mask_input_dim),
            ("aggregation_dim", aggregation_dim),
            ("hidden_dim", hidden_dim),
        ):
            if value <= 0:
                raise ValueError(f"MaskBlock {name} must be positive, got {value}")
        self.input_norm = nn.LayerNorm(input_dim)
        self.mask_generator = nn.Sequential(
            nn.Linear(mask_input_dim, aggregation_dim),
            nn.ReLU(),
            nn.Linear(aggregation_dim, input_dim),
        )
        self.hidden = nn.Sequential(
            nn.Linear(input_dim, hidden_dim, bias=False),
            nn.LayerNorm(hidden_dim),
            nn.ReLU(),
        )
        self._hidden_dim = hidden_dim

    def output_dim(self) -> int:
        """Width of the block's output (hidden_dim)."""
        return self._hidden_dim

    def mask(self, mask_input: torch.Tensor) -> torch.Tensor:
        """The instance-guided mask (B, input_dim) of the feature embedding (B, D_emb)."""
        return self.mask_generator(mask_input)

    def forward(self, block_input: torch.Tensor, mask_input: torch.Tensor) -> torch.Tensor:
        """Mask ``block_input`` (B, input_dim) by ``mask_input`` (B, D_emb) -> (B, hidden)."""
        return self.hidden(self.mask(mask_input) * self.input_norm(block_input))


class MaskNetModule(nn.Module):
    """``n_mask_blocks`` MaskBlocks (parallel or serial) and an optional top MLP.

    Args:
        input_dim: width of the feature embedding (the group's total width).
        config: the MaskNetModule config.
        field: the config path of ``config``, for error messages.

    Raises:
        ValueError: a config the module cannot be built from, naming the field.
    """

    def __init__(
        self, input_dim: int, config: module_pb2.MaskNetModule, field: str = "mask_net_module"
    ) -> None:
        super().__init__()
        blocks = int(config.n_mask_blocks)
        if blocks <= 0:
            raise ValueError(f"{field}.n_mask_blocks must be >= 1, got {blocks}")
        if not config.HasField("mask_block"):
            raise ValueError(f"{field}.mask_block: set the MaskBlock config (hidden_dim, ...)")
        block_cfg = config.mask_block
        hidden_dim = int(block_cfg.hidden_dim)
        if hidden_dim <= 0:
            raise ValueError(f"{field}.mask_block.hidden_dim must be set to a positive width")
        aggregation = aggregation_dim_of(block_cfg, input_dim, f"{field}.mask_block")
        self.use_parallel = bool(config.use_parallel)
        self.blocks = nn.ModuleList()
        for index in range(blocks):
            block_in = input_dim if self.use_parallel or index == 0 else hidden_dim
            self.blocks.append(MaskBlock(block_in, input_dim, aggregation, hidden_dim))
        stack_dim = hidden_dim * blocks if self.use_parallel else hidden_dim
        self.top_mlp: MLP | None = None
        if config.HasField("top_mlp"):
            if not config.top_mlp.hidden_units:
                raise ValueError(f"{field}.top_mlp: set hidden_units (or leave top_mlp out)")
            self.top_mlp = MLP.from_config(stack_dim, config.top_mlp)
        self._output_dim = self.top_mlp.output_dim() if self.top_mlp is not None else stack_dim

    def output_dim(self) -> int:
        """Width of the output: the top MLP's, or the blocks' (concatenated when parallel)."""
        return self._output_dim

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        """Encode the feature embedding (B, input_dim) into (B, output_dim())."""
        if self.use_parallel:
            hidden = torch.cat([block(embedding, embedding) for block in self.blocks], dim=-1)
        else:
            hidden = embedding
            for block in self.blocks:
                hidden = block(hidden, embedding)
        if self.top_mlp is not None:
            hidden = self.top_mlp(hidden)
        return hidden
