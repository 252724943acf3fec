"""RobustVideoMatting (Lin et al., WACV 2022) re-implemented to load the official checkpoints.

`model.MattingNetwork` is the network, `weights.load_rvm` loads ``rvm_mobilenetv3.pth`` /
``rvm_resnet50.pth`` strictly, and `adapter` plugs both variants into vmbench. The code is
written from the architecture description; no code is taken from the GPL-3.0 original.
"""

__all__: list[str] = []
