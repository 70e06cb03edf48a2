// Papers for the For-you tests: three topics over two announcement days (feed days in New York),
// none of them submitted to the community feed.

export const FOR_YOU_PAPERS = [
  // the day before: what readers import
  {
    id: '2603.00101',
    day: '2026-03-09',
    title: 'Graph neural networks for molecule property prediction',
    abstract: 'Message passing graph neural networks over molecular graphs predict chemical properties.',
  },
  {
    id: '2603.00102',
    day: '2026-03-09',
    title: 'Protein structure prediction with attention',
    abstract: 'Protein folding from amino acid sequences with attention models and structure modules.',
  },
  {
    id: '2603.00103',
    day: '2026-03-09',
    title: 'Black hole mergers in gravitational wave catalogues',
    abstract: 'Binary black hole mergers observed by gravitational wave detectors and their mass spectrum.',
    doi: '10.1103/PhysRevD.1.2',
  },
  // the newest day: what gets ranked
  {
    id: '2603.00201',
    day: '2026-03-10',
    title: 'Equivariant graph neural networks for molecular dynamics',
    abstract: 'Graph neural networks with message passing learn molecular forces and chemical properties of molecules.',
  },
  {
    id: '2603.00202',
    day: '2026-03-10',
    title: 'Gravitational wave signals from neutron star mergers',
    abstract: 'Neutron star and black hole mergers seen by gravitational wave detectors constrain the equation of state.',
  },
  {
    id: '2603.00203',
    day: '2026-03-10',
    title: 'Protein design by diffusion over structures',
    abstract: 'Diffusion models design protein structures and amino acid sequences that fold.',
  },
  {
    id: '2603.00204',
    day: '2026-03-10',
    title: 'Sparse attention for long documents',
    abstract: 'Efficient sparse attention lets language models read long documents.',
  },
];

/** A reader's BibTeX file matching three of FOR_YOU_PAPERS: by eprint, by arXiv URL, by DOI. */
export const FOR_YOU_BIB = `@article{gnn2026,
  title = {Graph neural networks for molecule property prediction},
  author = {Lovelace, Ada and Turing, Alan},
  eprint = {2603.00101},
  archivePrefix = {arXiv},
}
@misc{protein,
  title = {Protein structure prediction with attention},
  url = {https://arxiv.org/abs/2603.00102v1},
}
@article{waves,
  title = {Black hole mergers in gravitational wave catalogues},
  doi = {10.1103/PhysRevD.1.2},
}`;
