#!/usr/bin/python3
"""The reference candidates trained the way a PyTorch user would: nn modules, a DataLoader over
a TensorDataset, SGD with momentum, defaults untouched. Reads the layer graphs that
train_bench --graph-json writes, so the networks are the ones unas trains.

usage: train_bench.py GRAPHS.json [--threads N] [--samples N]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GraphNet(nn.Module):
    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.layers = nn.ModuleList()
        for op in graph["ops"]:
            if op["kind"] in ("conv", "dwconv"):
                groups = op["in_channels"] if op["kind"] == "dwconv" else 1
                conv = nn.Conv2d(op["in_channels"], op["out_channels"], op["kernel"], op["stride"], groups=groups)
                bn = nn.BatchNorm2d(op["out_channels"], eps=1e-3, momentum=0.01) if op["bn"] else nn.Identity()
                self.layers.append(nn.Sequential(conv, bn))
            elif op["kind"] == "dense":
                self.layers.append(nn.Linear(op["in_features"], op["out_channels"]))
            else:
                self.layers.append(nn.Identity())

    def forward(self, x):
        values = {0: x}
        for op, layer in zip(self.graph["ops"], self.layers):
            x = values[op["inputs"][0]]
            kind = op["kind"]
            if kind in ("conv", "dwconv"):
                y = layer(x)
            elif kind == "maxpool":
                y = F.max_pool2d(x, op["pool"], ceil_mode=True)
            elif kind == "avgpool":
                y = F.avg_pool2d(x, op["pool"], ceil_mode=True)
            elif kind == "add":
                c, h, w = op["out_shape"]
                y = 0
                for t in op["inputs"]:
                    v = values[t]
                    y = y + F.pad(v, (0, w - v.shape[3], 0, h - v.shape[2], 0, c - v.shape[1]))
            else:
                y = layer(torch.flatten(x, 1))
            values[op["output"]] = F.relu(y) if op["relu"] else y
        return values[self.graph["output"]]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("graphs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--samples", type=int, default=4000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    images = torch.randint(0, 256, (args.samples, 3, 48, 48), dtype=torch.uint8).float() / 255
    labels = torch.randint(0, 62, (args.samples,))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=80, shuffle=True)
    for k, graph in enumerate(json.load(open(args.graphs))):
        model = GraphNet(graph)
        optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
        model.train()
        start = time.perf_counter()
        for x, y in loader:
            optimiser.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimiser.step()
        print(f"candidate {k}: {args.samples / (time.perf_counter() - start):.0f} samples/s")


if __name__ == "__main__":
    main()
