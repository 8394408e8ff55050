"""The Salesforce objects the pipeline extracts, and where each lands in DuckDB.

Billing objects come from the Salesforce Billing managed package; an org without it simply lacks them,
so they are optional: the pipeline lands an empty table with the expected columns and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class ObjectSpec:
    api_name: str
    description: str
    package: str = "core"

    @property
    def table(self) -> str:
        """Lower-case API name: ``raw.opportunitylineitem``, ``raw.blng__invoice__c``."""
        return self.api_name.lower()

    @property
    def qualified_table(self) -> str:
        return f'{RAW_SCHEMA}."{self.table}"'

    @property
    def optional(self) -> bool:
        return self.package != "core"


OBJECTS: tuple[ObjectSpec, ...] = (
    ObjectSpec("Account", "Customers, with parent/child hierarchy through ParentId."),
    ObjectSpec("Product2", "The product catalogue: SKU (ProductCode), recurring flag, SSP and unit cost."),
    ObjectSpec("PricebookEntry", "List prices per product, price book and currency."),
    ObjectSpec("OpportunityStage", "Stage metadata (IsClosed, IsWon) used to categorise unmapped stages."),
    ObjectSpec("Opportunity", "Deals; each in-scope opportunity becomes a contract."),
    ObjectSpec("OpportunityLineItem", "Opportunity products; they become contract line items."),
    ObjectSpec("Order", "Revenue contracts."),
    ObjectSpec("OrderItem", "Order products: the performance obligations recognised over time."),
    ObjectSpec("blng__Invoice__c", "Salesforce Billing invoices.", package="billing"),
    ObjectSpec("blng__InvoiceLine__c", "Salesforce Billing invoice lines.", package="billing"),
    ObjectSpec("blng__CreditNote__c", "Salesforce Billing credit notes.", package="billing"),
    ObjectSpec("blng__CreditNoteLine__c", "Salesforce Billing credit note lines.", package="billing"),
    ObjectSpec("blng__UsageSummary__c", "Salesforce Billing usage summaries.", package="billing"),
    ObjectSpec("DatedConversionRate", "Dated exchange rates against the corporate currency."),
)


def object_spec(api_name: str) -> ObjectSpec:
    for spec in OBJECTS:
        if spec.api_name.lower() == api_name.lower():
            return spec
    raise KeyError(f"{api_name} is not an object the pipeline extracts; known: {[o.api_name for o in OBJECTS]}")
