// Shared by the resources tests (not a test file itself).

/** The exact shape issue #12 requires to be accepted. */
export const ISSUE = {
  resources: [
    {
      name: 'customer',
      fields: [
        { name: 'email', type: 'string', max: 320, unique: true },
        { name: 'vip', type: 'bool', default: false },
      ],
    },
    {
      name: 'order',
      plural: 'orders',
      fields: [
        { name: 'customer_id', type: 'ref', ref: 'customer' },
        { name: 'status', type: 'enum', values: ['pending', 'paid', 'shipped'], default: 'pending' },
        { name: 'total_cents', type: 'int', min: 0 },
        { name: 'note', type: 'text', optional: true },
        { name: 'placed_at', type: 'time' },
      ],
    },
  ],
} as const;

/** The same spec in the --resource-spec form, one flag per resource. */
export const ISSUE_FLAGS = [
  'customer:email=string(max=320,unique),vip=bool(default=false)',
  'order/orders:customer_id=ref(customer),status=enum(pending|paid|shipped,default=pending),total_cents=int(min=0),note=text(optional),placed_at=time',
];
