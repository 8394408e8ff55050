"""The demo org's data model: every sObject and field the emulator serves.

One declaration drives describe() output, the DuckDB storage layout, SOQL validation and the
generator, so the four can never disagree about what a field is called or whether it may be written.
Field names, types and write flags follow a Salesforce org with Salesforce Billing and the Revenue
Cloud connector installed; calculated fields carry the DuckDB expression the emulator evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Salesforce field types the emulator serves, with the SOAP type describe() reports for each.
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "picklist": "xsd:string",
    "email": "xsd:string",
    "phone": "xsd:string",
    "url": "xsd:string",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "address": "urn:address",
}

TEXT_TYPES = frozenset({"id", "reference", "string", "textarea", "picklist", "email", "phone", "url"})
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    formula: str | None = None
    external_id: bool = False
    unique: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    compound_of: tuple[str, ...] = ()
    compound_field_name: str | None = None
    name_field: bool = False
    auto_number: bool = False
    package: str = "core"

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    @property
    def calculated(self) -> bool:
        return self.formula is not None

    @property
    def is_compound(self) -> bool:
        return bool(self.compound_of)

    @property
    def stored(self) -> bool:
        """Whether the emulator keeps a column for this field (calculated and compound fields are derived)."""
        return not self.calculated and not self.is_compound

    def storage_type(self) -> str:
        """The DuckDB column type the emulator stores this field in."""
        if self.type in TEXT_TYPES:
            return "VARCHAR"
        if self.type == "boolean":
            return "BOOLEAN"
        if self.type == "int":
            return "INTEGER"
        if self.type in NUMBER_TYPES:
            return f"DECIMAL({min(self.precision, 38)},{self.scale})"
        if self.type == "date":
            return "DATE"
        if self.type == "datetime":
            return "TIMESTAMP"
        raise ValueError(f"{self.name}: no storage type for {self.type}")


@dataclass(frozen=True)
class SObject:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[Field, ...]
    package: str = "core"
    queryable: bool = True
    deletable: bool = True
    _by_name: dict[str, Field] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Field lookups happen for every SOQL token and every write: index once, not per call.
        object.__setattr__(self, "_by_name", {f.name.lower(): f for f in self.fields})

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    @property
    def has_is_deleted(self) -> bool:
        return "IsDeleted" in self.field_names

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field | None:
        """Case-insensitive field lookup, as Salesforce resolves field names."""
        return self._by_name.get(name.lower())

    def stored_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.stored)

    def external_id_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.external_id or f.name == "Id")

    def relationship(self, name: str) -> Field | None:
        """The reference field whose relationship name is ``name`` (case-insensitive)."""
        for f in self.fields:
            if f.relationship_name and f.relationship_name.lower() == name.lower():
                return f
        return None


# ---------------------------------------------------------------------------------------------
# Field constructors: short names keep the object declarations readable.
# ---------------------------------------------------------------------------------------------


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") if name != "Id" else "Record ID"
    base = base.split("__", 1)[-1] if "__" in base else base
    return base.replace("_", " ")


def id_field() -> Field:
    return Field("Id", "id", "Record ID", length=18, nillable=False, createable=False, updateable=False)


def text(name: str, length: int = 255, **kw) -> Field:
    return Field(name, "string", kw.pop("label", _label(name)), length=length, **kw)


def long_text(name: str, length: int = 32000, **kw) -> Field:
    return Field(name, "textarea", kw.pop("label", _label(name)), length=length, **kw)


def name_field(length: int = 255, **kw) -> Field:
    return Field("Name", "string", kw.pop("label", "Name"), length=length, name_field=True, **kw)


def auto_name(label: str) -> Field:
    return Field(
        "Name", "string", label, length=80, nillable=False, createable=False, updateable=False,
        name_field=True, auto_number=True,
    )


def ref(name: str, to: str, relationship: str, **kw) -> Field:
    return Field(
        name, "reference", kw.pop("label", _label(name)), length=18, reference_to=(to,),
        relationship_name=relationship, **kw,
    )


def money(name: str, precision: int = 18, scale: int = 2, **kw) -> Field:
    return Field(name, "currency", kw.pop("label", _label(name)), precision=precision, scale=scale, **kw)


def number(name: str, precision: int = 18, scale: int = 2, **kw) -> Field:
    return Field(name, "double", kw.pop("label", _label(name)), precision=precision, scale=scale, **kw)


def percent(name: str, precision: int = 18, scale: int = 4, **kw) -> Field:
    return Field(name, "percent", kw.pop("label", _label(name)), precision=precision, scale=scale, **kw)


def integer(name: str, **kw) -> Field:
    return Field(name, "int", kw.pop("label", _label(name)), precision=9, **kw)


def date(name: str, **kw) -> Field:
    return Field(name, "date", kw.pop("label", _label(name)), **kw)


def datetime_(name: str, **kw) -> Field:
    return Field(name, "datetime", kw.pop("label", _label(name)), **kw)


def flag(name: str, **kw) -> Field:
    return Field(name, "boolean", kw.pop("label", _label(name)), nillable=False, **kw)


def pick(name: str, values: tuple[str, ...], **kw) -> Field:
    return Field(name, "picklist", kw.pop("label", _label(name)), length=255, picklist=values, **kw)


def calc(base: Field, sql: str) -> Field:
    """A formula (calculated) field: read-only, evaluated by the emulator from ``sql``."""
    return replace(base, formula=sql, createable=False, updateable=False)


def read_only(base: Field) -> Field:
    return replace(base, createable=False, updateable=False)


def billing(base: Field) -> Field:
    """A field that exists only when the Salesforce Billing package is installed."""
    return replace(base, package="billing")


def audit_fields(deletable: bool = True) -> tuple[Field, ...]:
    """Fields every record carries; IsDeleted only on objects that go to the recycle bin."""
    system = (
        read_only(datetime_("CreatedDate", nillable=False)),
        read_only(ref("CreatedById", "User", "CreatedBy", nillable=False)),
        read_only(datetime_("LastModifiedDate", nillable=False)),
        read_only(ref("LastModifiedById", "User", "LastModifiedBy", nillable=False)),
        read_only(datetime_("SystemModstamp", nillable=False)),
    )
    if deletable:
        return (read_only(flag("IsDeleted", label="Deleted")), *system)
    return system


def address(prefix: str) -> tuple[Field, ...]:
    parts = ("Street", "City", "State", "PostalCode", "Country")
    compound = f"{prefix}Address"
    components = tuple(
        text(f"{prefix}{p}", length=255 if p == "Street" else 80, compound_field_name=compound) for p in parts
    )
    return (*components, Field(compound, "address", f"{prefix} Address", compound_of=tuple(
        f"{prefix}{p}" for p in parts), createable=False, updateable=False))


CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD")
CURRENCY_DECIMALS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "CAD": 2, "AUD": 2}
CORPORATE_CURRENCY = "USD"


def currency_iso() -> Field:
    return pick("CurrencyIsoCode", CURRENCIES, label="Currency ISO Code", nillable=False)


RECOGNITION_TEMPLATES = (
    "Equal Split Days",
    "Equal Split Months",
    "Equal Split Months/PP",
    "Equal Split Months/PP with Actual Days",
    "Equal Split 445",
    "% Complete",
    "Deliverable",
    "On Delivery",
    "As Invoiced",
)


def recognition_fields() -> tuple[Field, ...]:
    """The Revenue Cloud connector's recognition fields, identical on every source object."""
    return (
        pick("ffrrTemplate__c", RECOGNITION_TEMPLATES, label="Revenue Recognition Template"),
        flag("ffrrIncludeInRevenueRecognition__c", label="Include in Revenue Recognition"),
        percent("ffrrPercentComplete__c", precision=5, scale=2, label="% Complete"),
        flag("ffrrDelivered__c", label="Delivered"),
        money("ffrrStandaloneSellingPrice__c", label="Standalone Selling Price"),
        money("ffrrUnitCost__c", label="Unit Cost"),
        money("ffrrTotalCost__c", label="Total Cost"),
        money("ffrrRecognizedToDate__c", label="Recognized to Date"),
        money("ffrrAmortizedToDate__c", label="Amortized to Date"),
        flag("ffrrRevenueRecognitionComplete__c", label="Revenue Recognition Complete"),
        text("ffrrBalanceSheetAccount__c", length=80, label="Balance Sheet GLA"),
        text("ffrrIncomeStatementAccount__c", length=80, label="Income Statement GLA"),
    )


STAGES = (
    # (master label, sort order, is closed, is won, forecast category, default probability, is active)
    ("Prospecting", 1, False, False, "Pipeline", 10, True),
    ("Discovery & Qualification", 2, False, False, "Pipeline", 20, True),
    ("Solution Proposal", 3, False, False, "Pipeline", 40, True),
    ("Negotiation/Review", 4, False, False, "BestCase", 60, True),
    ("Verbal Commit", 5, False, False, "Commit", 90, True),
    ("Closed Won", 6, True, True, "Closed", 100, True),
    ("Closed Won - Signed Order Form", 7, True, True, "Closed", 100, True),
    ("Renewal Booked", 8, True, True, "Closed", 100, True),
    ("Closed Lost", 9, True, False, "Omitted", 0, True),
    ("Closed Lost - No Budget", 10, True, False, "Omitted", 0, True),
    ("Churned", 11, True, False, "Omitted", 0, True),
    ("Legacy - Contract Signed", 12, True, True, "Closed", 100, False),
)


def _objects() -> tuple[SObject, ...]:
    user = SObject("User", "User", "Users", "005", (
        id_field(),
        name_field(length=121, createable=False, updateable=False),
        text("Username", length=80, nillable=False, unique=True),
        Field("Email", "email", "Email", length=128),
        flag("IsActive", label="Active"),
        *audit_fields(deletable=False),
    ), deletable=False)

    account = SObject("Account", "Account", "Accounts", "001", (
        id_field(),
        name_field(nillable=False),
        pick("Type", ("Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Prospect")),
        ref("ParentId", "Account", "Parent", label="Parent Account ID"),
        *address("Billing"),
        pick("Industry", ("Software", "Financial Services", "Healthcare", "Manufacturing", "Retail",
                          "Education", "Media", "Telecommunications", "Government", "Energy")),
        money("AnnualRevenue"),
        integer("NumberOfEmployees", label="Employees"),
        ref("OwnerId", "User", "Owner", nillable=False),
        currency_iso(),
        text("External_Id__c", length=64, external_id=True, unique=True, label="External ID"),
        money("Total_ARR__c", label="Total ARR"),
        date("Customer_Since__c"),
        calc(flag("Is_Parent_Account__c", label="Is Top-Level Account"), "ParentId IS NULL"),
        *audit_fields(),
    ))

    pricebook = SObject("Pricebook2", "Price Book", "Price Books", "01s", (
        id_field(),
        name_field(nillable=False),
        flag("IsActive", label="Active"),
        read_only(flag("IsStandard", label="Is Standard Price Book")),
        long_text("Description", length=255),
        *audit_fields(),
    ))

    product = SObject("Product2", "Product", "Products", "01t", (
        id_field(),
        name_field(nillable=False, label="Product Name"),
        text("ProductCode", length=255, label="Product Code"),
        long_text("Description", length=4000, label="Product Description"),
        flag("IsActive", label="Active"),
        pick("Family", ("Platform", "Add-on", "Services", "Support", "Usage")),
        text("QuantityUnitOfMeasure", length=40, label="Quantity Unit Of Measure"),
        flag("Is_Recurring__c", label="Is Recurring"),
        money("Standalone_Selling_Price__c", label="Standalone Selling Price"),
        money("Unit_Cost__c", label="Unit Cost"),
        money("ffrrStandaloneSellingPrice__c", label="Standalone Selling Price (RM)"),
        money("ffrrUnitCost__c", label="Unit Cost (RM)"),
        pick("Default_Recognition_Template__c", RECOGNITION_TEMPLATES),
        text("External_Id__c", length=64, external_id=True, unique=True, label="External ID"),
        currency_iso(),
        *audit_fields(),
    ))

    pricebook_entry = SObject("PricebookEntry", "Price Book Entry", "Price Book Entries", "01u", (
        id_field(),
        calc(name_field(), "(SELECT p.Name FROM data.Product2 p WHERE p.Id = PricebookEntry.Product2Id)"),
        ref("Pricebook2Id", "Pricebook2", "Pricebook2", nillable=False, updateable=False),
        ref("Product2Id", "Product2", "Product2", nillable=False, updateable=False),
        money("UnitPrice", label="List Price", nillable=False),
        flag("IsActive", label="Active"),
        flag("UseStandardPrice", label="Use Standard Price"),
        calc(text("ProductCode"),
             "(SELECT p.ProductCode FROM data.Product2 p WHERE p.Id = PricebookEntry.Product2Id)"),
        currency_iso(),
        *audit_fields(),
    ))

    stage = SObject("OpportunityStage", "Opportunity Stage", "Opportunity Stages", "01J", (
        id_field(),
        text("MasterLabel", length=255, label="Master Label", createable=False, updateable=False),
        text("ApiName", length=255, label="Api Name", createable=False, updateable=False),
        read_only(flag("IsActive", label="Active")),
        read_only(integer("SortOrder", label="Sort Order")),
        read_only(flag("IsClosed", label="Closed")),
        read_only(flag("IsWon", label="Won")),
        read_only(pick("ForecastCategory", ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed"))),
        read_only(text("ForecastCategoryName", length=40)),
        read_only(percent("DefaultProbability", precision=3, scale=0)),
        read_only(text("Description", length=255)),
        *audit_fields(deletable=False),
    ), deletable=False)

    stage_names = tuple(s[0] for s in STAGES)
    opportunity = SObject("Opportunity", "Opportunity", "Opportunities", "006", (
        id_field(),
        ref("AccountId", "Account", "Account", label="Account ID"),
        name_field(length=120, nillable=False),
        long_text("Description"),
        pick("StageName", stage_names, label="Stage", nillable=False),
        money("Amount"),
        percent("Probability", precision=3, scale=0, label="Probability (%)"),
        calc(money("ExpectedRevenue", label="Expected Amount"), "Amount * Probability / 100"),
        date("CloseDate", nillable=False),
        pick("Type", ("New Business", "Renewal", "Existing Business - Upgrade",
                      "Existing Business - Downgrade")),
        pick("LeadSource", ("Web", "Partner Referral", "Trade Show", "Outbound", "Customer Referral")),
        read_only(flag("IsClosed", label="Closed")),
        read_only(flag("IsWon", label="Won")),
        read_only(pick("ForecastCategory", ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed"))),
        ref("Pricebook2Id", "Pricebook2", "Pricebook2", label="Price Book ID"),
        ref("OwnerId", "User", "Owner", nillable=False),
        currency_iso(),
        flag("Import_To_Revenue__c", label="Import to Revenue"),
        date("Start_Date__c", label="Contract Start Date"),
        date("End_Date__c", label="Contract End Date"),
        ref("Renews__c", "Opportunity", "Renews__r", label="Renews"),
        ref("Renewed_By__c", "Opportunity", "Renewed_By__r", label="Renewed By"),
        ref("Amends__c", "Opportunity", "Amends__r", label="Amends"),
        ref("Amended_By__c", "Opportunity", "Amended_By__r", label="Amended By"),
        money("Assigned_ARR__c", label="Assigned ARR"),
        money("Assigned_MRR__c", label="Assigned MRR"),
        date("Termination_Date__c", label="Termination Date"),
        date("Terminated_Effective_Date__c", label="Terminated Effective Date"),
        money("ARR__c", label="ARR"),
        money("MRR__c", label="MRR"),
        pick("Stage_Category__c", ("Booked", "Lost", "Forecast"), label="Stage Category"),
        pick("Contract_Status__c", ("active", "renewed", "churned", "overdue", "future", "lost", "forecast"),
             label="Contract Status"),
        text("External_Id__c", length=64, external_id=True, unique=True, label="External ID"),
        text("Product_Lookup_Key__c", length=255, label="Product (for a contract without line items)"),
        calc(number("Contract_Term_Months__c", precision=18, scale=0, label="Contract Term (Months)"),
             "CASE WHEN Start_Date__c IS NULL OR End_Date__c IS NULL THEN NULL "
             "ELSE datediff('month', Start_Date__c, End_Date__c + 1) END"),
        *audit_fields(),
    ))

    line_item = SObject("OpportunityLineItem", "Opportunity Product", "Opportunity Product", "00k", (
        id_field(),
        ref("OpportunityId", "Opportunity", "Opportunity", nillable=False, updateable=False),
        integer("SortOrder", label="Sort Order"),
        ref("PricebookEntryId", "PricebookEntry", "PricebookEntry", updateable=False),
        ref("Product2Id", "Product2", "Product2", updateable=False),
        calc(text("ProductCode"),
             "(SELECT p.ProductCode FROM data.Product2 p WHERE p.Id = OpportunityLineItem.Product2Id)"),
        calc(name_field(length=376, label="Opportunity Product Name"),
             "(SELECT p.Name FROM data.Product2 p WHERE p.Id = OpportunityLineItem.Product2Id)"),
        number("Quantity", precision=12, scale=2, nillable=False),
        money("TotalPrice", label="Total Price"),
        money("UnitPrice", label="Sales Price"),
        calc(money("ListPrice", label="List Price"),
             "(SELECT e.UnitPrice FROM data.PricebookEntry e WHERE e.Id = OpportunityLineItem.PricebookEntryId)"),
        date("ServiceDate", label="Date"),
        long_text("Description", length=255, label="Line Description"),
        date("Start_Date__c", label="Line Start Date"),
        date("End_Date__c", label="Line End Date"),
        money("Item_Assigned_ARR__c", label="Item Assigned ARR"),
        money("Item_Assigned_MRR__c", label="Item Assigned MRR"),
        # Imported lines often name their product in text: a 15- or 18-character Id, a SKU or a name.
        text("Product_Lookup_Key__c", length=255, label="Product Lookup Key (Id, SKU or name)"),
        currency_iso(),
        *audit_fields(),
    ))

    order = SObject("Order", "Order", "Orders", "801", (
        id_field(),
        ref("AccountId", "Account", "Account", nillable=False),
        ref("OpportunityId", "Opportunity", "Opportunity"),
        ref("Pricebook2Id", "Pricebook2", "Pricebook2"),
        read_only(Field("OrderNumber", "string", "Order Number", length=30, auto_number=True,
                        nillable=False, name_field=True)),
        date("EffectiveDate", label="Order Start Date", nillable=False),
        date("EndDate", label="Order End Date"),
        pick("Status", ("Draft", "Activated", "Cancelled"), nillable=False),
        read_only(pick("StatusCode", ("Draft", "Activated", "Cancelled"))),
        pick("Type", ("New", "Renewal", "Amendment")),
        calc(money("TotalAmount", label="Order Amount"),
             "(SELECT COALESCE(SUM(i.Quantity * i.UnitPrice), 0) FROM data.OrderItem i "
             "WHERE i.OrderId = \"Order\".Id AND NOT i.IsDeleted)"),
        text("ffrrLegalEntity__c", length=80, label="Legal Entity"),
        ref("OwnerId", "User", "Owner", nillable=False),
        currency_iso(),
        *audit_fields(),
    ))

    order_item = SObject("OrderItem", "Order Product", "Order Products", "802", (
        id_field(),
        ref("OrderId", "Order", "Order", nillable=False, updateable=False),
        ref("Product2Id", "Product2", "Product2", updateable=False),
        ref("PricebookEntryId", "PricebookEntry", "PricebookEntry", updateable=False),
        read_only(Field("OrderItemNumber", "string", "Order Product Number", length=30,
                        auto_number=True, nillable=False)),
        number("Quantity", precision=12, scale=2, nillable=False),
        money("UnitPrice", label="Unit Price", nillable=False),
        money("ListPrice", label="List Price"),
        calc(money("TotalPrice", label="Total Price"), "Quantity * UnitPrice"),
        date("ServiceDate", label="Start Date"),
        date("EndDate", label="End Date"),
        long_text("Description", length=255, label="Line Description"),
        calc(currency_iso(), "(SELECT o.CurrencyIsoCode FROM data.\"Order\" o WHERE o.Id = OrderItem.OrderId)"),
        number("SBQQ__ProrateMultiplier__c", precision=18, scale=4, label="Prorate Multiplier"),
        billing(pick("blng__ChargeType__c", ("One-Time", "Recurring", "Usage"), label="Charge Type")),
        billing(pick("blng__BillingFrequency__c", ("Monthly", "Quarterly", "Annual", "Invoice Plan"),
                     label="Billing Frequency")),
        billing(pick("blng__BillingType__c", ("Advance", "Arrears"), label="Billing Type")),
        *recognition_fields(),
        *audit_fields(),
    ))

    invoice = SObject("blng__Invoice__c", "Invoice", "Invoices", "a0I", (
        id_field(),
        auto_name("Invoice Number"),
        ref("blng__Account__c", "Account", "blng__Account__r", label="Account", nillable=False),
        ref("blng__Order__c", "Order", "blng__Order__r", label="Order"),
        date("blng__InvoiceDate__c", label="Invoice Date"),
        date("blng__DueDate__c", label="Due Date"),
        pick("blng__InvoiceStatus__c", ("Draft", "Posted", "Cancelled", "Rebilled"), label="Status"),
        calc(money("blng__Subtotal__c", label="Subtotal"),
             "(SELECT COALESCE(SUM(l.blng__Subtotal__c), 0) FROM data.blng__InvoiceLine__c l "
             "WHERE l.blng__Invoice__c = blng__Invoice__c.Id AND NOT l.IsDeleted)"),
        currency_iso(),
        *audit_fields(),
    ), package="billing")

    invoice_line = SObject("blng__InvoiceLine__c", "Invoice Line", "Invoice Lines", "a0J", (
        id_field(),
        auto_name("Invoice Line Number"),
        ref("blng__Invoice__c", "blng__Invoice__c", "blng__Invoice__r", label="Invoice", nillable=False,
            updateable=False),
        ref("blng__OrderProduct__c", "OrderItem", "blng__OrderProduct__r", label="Order Product"),
        ref("blng__Product__c", "Product2", "blng__Product__r", label="Product"),
        date("blng__StartDate__c", label="Start Date"),
        date("blng__EndDate__c", label="End Date"),
        number("blng__Quantity__c", precision=12, scale=2, label="Quantity"),
        money("blng__UnitPrice__c", label="Unit Price"),
        money("blng__Subtotal__c", label="Subtotal"),
        pick("blng__ChargeType__c", ("One-Time", "Recurring", "Usage"), label="Charge Type"),
        pick("blng__BillingFrequency__c", ("Monthly", "Quarterly", "Annual", "Invoice Plan"),
             label="Billing Frequency"),
        pick("blng__BillingType__c", ("Advance", "Arrears"), label="Billing Type"),
        pick("blng__InvoiceLineStatus__c", ("Draft", "Posted", "Cancelled"), label="Invoice Line Status"),
        *recognition_fields(),
        currency_iso(),
        *audit_fields(),
    ), package="billing")

    credit_note = SObject("blng__CreditNote__c", "Credit Note", "Credit Notes", "a0K", (
        id_field(),
        auto_name("Credit Note Number"),
        ref("blng__Account__c", "Account", "blng__Account__r", label="Account", nillable=False),
        ref("blng__RelatedInvoice__c", "blng__Invoice__c", "blng__RelatedInvoice__r",
            label="Source Invoice"),
        date("blng__CreditNoteDate__c", label="Credit Note Date"),
        pick("blng__Status__c", ("Draft", "Posted", "Cancelled"), label="Status"),
        calc(money("blng__Subtotal__c", label="Subtotal"),
             "(SELECT COALESCE(SUM(l.blng__Subtotal__c), 0) FROM data.blng__CreditNoteLine__c l "
             "WHERE l.blng__CreditNote__c = blng__CreditNote__c.Id AND NOT l.IsDeleted)"),
        currency_iso(),
        *audit_fields(),
    ), package="billing")

    credit_note_line = SObject("blng__CreditNoteLine__c", "Credit Note Line", "Credit Note Lines", "a0L", (
        id_field(),
        auto_name("Credit Note Line Number"),
        ref("blng__CreditNote__c", "blng__CreditNote__c", "blng__CreditNote__r", label="Credit Note",
            nillable=False, updateable=False),
        ref("blng__InvoiceLine__c", "blng__InvoiceLine__c", "blng__InvoiceLine__r", label="Invoice Line"),
        ref("blng__Product__c", "Product2", "blng__Product__r", label="Product"),
        date("blng__StartDate__c", label="Start Date"),
        date("blng__EndDate__c", label="End Date"),
        money("blng__Subtotal__c", label="Subtotal"),
        pick("blng__Status__c", ("Draft", "Posted", "Cancelled"), label="Status"),
        *recognition_fields(),
        currency_iso(),
        *audit_fields(),
    ), package="billing")

    usage_summary = SObject("blng__UsageSummary__c", "Usage Summary", "Usage Summaries", "a0M", (
        id_field(),
        auto_name("Usage Summary Number"),
        ref("blng__Account__c", "Account", "blng__Account__r", label="Account"),
        ref("blng__Order__c", "Order", "blng__Order__r", label="Order"),
        ref("blng__OrderProduct__c", "OrderItem", "blng__OrderProduct__r", label="Order Product"),
        ref("blng__Invoice__c", "blng__Invoice__c", "blng__Invoice__r", label="Invoice"),
        date("blng__SummaryStartDate__c", label="Summary Start Date"),
        date("blng__SummaryEndDate__c", label="Summary End Date"),
        number("blng__TotalQuantity__c", precision=18, scale=2, label="Total Quantity"),
        money("blng__TotalRevenue__c", label="Total Revenue"),
        pick("blng__Status__c", ("New", "Queued For Invoice", "Invoiced"), label="Status"),
        *recognition_fields(),
        currency_iso(),
        *audit_fields(),
    ), package="billing")

    dated_rate = SObject("DatedConversionRate", "Dated Conversion Rate", "Dated Conversion Rates", "04w", (
        id_field(),
        pick("IsoCode", CURRENCIES, label="ISO Code", nillable=False, updateable=False),
        number("ConversionRate", precision=18, scale=6, label="Conversion Rate", nillable=False),
        date("StartDate", nillable=False),
        read_only(date("NextStartDate")),
        *audit_fields(deletable=False),
    ), deletable=False)

    return (user, account, pricebook, product, pricebook_entry, stage, opportunity, line_item, order,
            order_item, invoice, invoice_line, credit_note, credit_note_line, usage_summary, dated_rate)


@dataclass(frozen=True)
class OrgSchema:
    """The sObjects one org exposes: with or without the Salesforce Billing package."""

    objects: dict[str, SObject] = field(default_factory=dict)

    def get(self, name: str) -> SObject | None:
        """Case-insensitive object lookup, as SOQL resolves object names."""
        for key, value in self.objects.items():
            if key.lower() == name.lower():
                return value
        return None

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self):
        return iter(self.objects.values())


def build_schema(billing_package: bool = True) -> OrgSchema:
    """The demo org's schema; without Billing, its objects and the blng__ fields elsewhere disappear."""
    objects: dict[str, SObject] = {}
    for sobject in _objects():
        if sobject.package == "billing" and not billing_package:
            continue
        fields = tuple(f for f in sobject.fields if billing_package or f.package != "billing")
        objects[sobject.name] = replace(sobject, fields=fields)
    return OrgSchema(objects)
