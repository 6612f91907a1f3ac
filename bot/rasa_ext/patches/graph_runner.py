"""11. Running the model's graph (DaskGraphRunner.run's `dask.get`).

Three times a turn (the NLU, then one prediction per action), dask's local scheduler orders
and tracks about seven tasks that run one after the other anyway: 0.3 to 0.5 ms a run.
Here the graph (which Rasa has cut to the targets and what they need) is run by
`run_graph`, depth first from the targets, each node once, with the same arguments dask
passes (a need that names a node gets that node's output, anything else is passed as it
is) and the results in the targets' order; an exception raised by a node comes out as it
does from dask.
"""

from __future__ import annotations

WHY = "Rasa's model loader always builds a DaskGraphRunner; the runner class is not configurable"
PINS = {"rasa.engine.runner.dask": "fc92eebf60a37336"}  # its one use of dask: `dask.get(run_graph, run_targets)`


def run_graph(graph: dict, targets: list) -> list:
    """dask.get for Rasa's graphs: {key: (callable, *needs) or a value}."""
    results: dict = {}

    def compute(key):
        if key not in results:
            task = graph[key]
            if isinstance(task, tuple) and task and callable(task[0]):
                results[key] = task[0](
                    *(compute(need) if isinstance(need, str) and need in graph else need for need in task[1:])
                )
            else:
                results[key] = task
        return results[key]

    return [compute(target) for target in targets]


def apply() -> None:
    import types

    import rasa.engine.runner.dask as runner

    runner.dask = types.SimpleNamespace(get=run_graph, __wrapped__=runner.dask)
