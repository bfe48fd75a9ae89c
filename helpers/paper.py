"""The papers' own numbers, for the side-by-side tables (never ours: ours come from results).

Each entry: the paper, what was measured, its setting and the value as the paper reports it.
"""
PAPER = {
    "sc_cycle": dict(paper="Super-Convergence (2017)", value=92.4, unit="% accuracy",
                     setting="ResNet-56, CIFAR-10, one cycle 0.1-3, 10k iterations, batch 1000"),
    "sc_step": dict(paper="Super-Convergence (2017)", value=91.2, unit="% accuracy",
                    setting="ResNet-56, CIFAR-10, piecewise-constant LR 0.35, 80k iterations"),
    "sc_iterations_ratio": dict(paper="Super-Convergence (2017)", value=8.0, unit="times fewer iterations",
                                setting="80k (step) / 10k (cycle) iterations, ResNet-56, CIFAR-10"),
}

# The papers' titles, as the claims table names them.
CLR = "Cyclical Learning Rates (2015)"
SC = "Super-Convergence (2017)"
TOPOLOGY = "Exploring loss function topology (2017)"
DISCIPLINED = "A disciplined approach (2018)"
SWA = "Averaging weights (Izmailov et al. 2018)"
FORUM = "fastai forum (use_clr_beta)"
FASTBOOK = "fastbook study note (fine-tuning)"
NOTEBOOK = "a fastai v1 reproduction of the papers (notebook)"
GOYAL = "Warm-up (Goyal et al. 2017), cosine (Loshchilov and Hutter 2017)"
HAGELE = "Warmup-stable-decay (Hägele et al. 2024)"
DEFAZIO = "Schedule-Free (Defazio et al. 2024)"
SCHEDULEFREE = "schedulefree package README"
GUGGER = "AdamW and super-convergence (Gugger and Howard 2018)"
