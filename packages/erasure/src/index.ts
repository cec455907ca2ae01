// Erasure of a customer's personal data (DESIGN.md): the erasure topic read by every role (the
// erasure list and its handlers), written by the erase command and the console. A domain concept
// of its own, apart from the Kafka transport it travels on and from the customer readers.
export * from './erasure-list.ts';
