"""Run at start-up by the Python processes vLLM launches (see
:func:`mmgym.agents.hf_stack.fix_subprocesses`): they import torchvision, which needs the same
operator definitions as the parent process."""

try:
    from mmgym.agents.hf_stack import import_torchvision

    import_torchvision()
except Exception:  # noqa: BLE001 - a process that cannot import mmgym simply runs without the fix
    pass
