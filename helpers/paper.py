"""The papers' own numbers, for the side-by-side tables (never ours: ours come from results).

Each entry: the paper, what was measured, its setting and the value as the paper reports it.
"""
PAPER = {
    "sc_cycle": dict(paper="Super-Convergence (2017)", value=92.4, unit="% accuracy",
                     setting="ResNet-56, CIFAR-10, one cycle 0.1-3, 10k iterations, batch 1000"),
    "sc_step": dict(paper="Super-Convergence (2017)", value=91.2, unit="% accuracy",
                    setting="ResNet-56, CIFAR-10, piecewise-constant LR 0.35, 80k iterations"),
    "sc_cycle_6k": dict(paper="Super-Convergence (2017)", value=92.1, unit="% accuracy",
                        setting="ResNet-56, CIFAR-10, one cycle to LR 3, 6k iterations"),
    "sc_iterations_ratio": dict(paper="Super-Convergence (2017)", value=8.0, unit="times fewer iterations",
                                setting="80k (step) / 10k (cycle) iterations, ResNet-56, CIFAR-10"),
    "disciplined_moms": dict(paper="A disciplined approach (2018)", value=(0.95, 0.85), unit="momentum",
                             setting="cyclical momentum 0.95 -> 0.85 while the LR rises"),
    "disciplined_wd": dict(paper="A disciplined approach (2018)", value=1e-4, unit="weight decay",
                           setting="ResNet-56, CIFAR-10"),
}
