// Transfers to connected accounts (made by captures of destination charges, or asked for directly).
import { z } from "zod";
import { findAccount } from "./accounts.ts";
import type { AddRoute } from "./api.ts";
import { noSuchObject } from "./errors.ts";
import { listObject, listParams } from "./list.ts";
import { amountParam, currencyParam, expandParam, metadataParam } from "./params.ts";
import { newId, type Transfer, unixNow } from "./store.ts";

const createTransfer = z
  .object({
    amount: amountParam.refine((a) => a >= 1, "must be at least 1"),
    currency: currencyParam,
    destination: z.string().min(1),
    description: z.string().optional(),
    source_transaction: z.string().optional(),
    transfer_group: z.string().optional(),
    metadata: metadataParam,
    expand: expandParam,
  })
  .strict();

const listTransfers = z
  .object({ ...listParams, destination: z.string().optional(), transfer_group: z.string().optional() })
  .strict();

export function addTransferRoutes(route: AddRoute) {
  route("POST", "/v1/transfers", (request) => {
    const params = request.parse(createTransfer);
    findAccount(request.world, params.destination, "destination");
    const transfer: Transfer = {
      id: newId("tr"),
      object: "transfer",
      amount: params.amount,
      amount_reversed: 0,
      created: unixNow(),
      currency: params.currency,
      destination: params.destination,
      metadata: params.metadata ?? {},
      reversed: false,
      source_transaction: params.source_transaction ?? null,
      transfer_group: params.transfer_group ?? null,
    };
    request.world.transfers.set(transfer.id, transfer);
    request.world.counts.transfers++;
    return transfer;
  });

  route("GET", "/v1/transfers", (request) => {
    const params = request.parse(listTransfers);
    const transfers = [...request.world.transfers.values()].filter(
      (t) =>
        (!params.destination || t.destination === params.destination) &&
        (!params.transfer_group || t.transfer_group === params.transfer_group),
    );
    return listObject(transfers, params, "/v1/transfers");
  });

  route("GET", "/v1/transfers/:id", (request) => {
    request.parse(z.object({ expand: expandParam }).strict());
    const transfer = request.world.transfers.get(request.path.id ?? "");
    if (!transfer) throw noSuchObject("transfer", request.path.id ?? "");
    return transfer;
  });
}
